package io.impipeline.worker.fanout;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import io.impipeline.worker.fanout.FanoutHeaders.Position;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code fanout_progress}: one row per fan-out (group, sender, message). Each page of a fan-out is committed to Kafka
 * together with the continuation that carries the cursor to the next page (see {@link FanoutStep}); Kafka alone
 * makes a page exactly-once across crashes. This row is for what Kafka cannot tell: a fan-out record delivered
 * again after its transaction committed (a dead letter replayed, an offset reset).
 *
 * <p>It only ever holds facts: a record for page p can be read (read_committed) only once the transaction that wrote
 * page p-1 has committed, so seeing it proves {@code pages_done >= p-1}; a fan-out whose next page is empty is done.
 * The page being written is claimed by the task record that writes it ({@code claimed_by}, its place on the task
 * topic, the same for its retries); another record for that page is a second copy of the fan-out and writes nothing.
 * A record that is behind the row (page <= pages_done) resumes from the row's cursor when nobody holds the next
 * page (a replay of the original task, without the continuation's headers, after the fan-out failed for good).
 */
public class FanoutProgress {

    /** The identity of a fan-out: the group and the message's identity. */
    public record Key(String groupId, String fromUserId, String messageId) {
    }

    /** The row. */
    public record Row(int pagesDone, String lastUserId, long routedRecords, Integer claimedPage, String claimedBy,
               boolean done) {
    }

    /** What to do with a fan-out record, decided on its row. */
    sealed interface Decision {
        /** The fan-out is finished. */
        record Finished() implements Decision {
        }

        /** Another record is writing this page. */
        record HeldBy(int page, String origin) implements Decision {
        }

        /** Write this page, after this cursor; {@code pagesDone} and {@code recordsSoFar} as the row will store. */
        record Write(int page, String afterUserId, long recordsSoFar) implements Decision {
        }
    }

    /** The outcome of {@link #claim}. */
    public sealed interface Claim {
        /** Neither the projection nor this table knows the group: retried, then dead-lettered. */
        record UnknownGroup() implements Claim {
        }

        /** Nothing to write: finished already, or another record holds the page ({@code why}). */
        record Skip(String why) implements Claim {
        }

        /** The fan-out has just finished: no members after the cursor. */
        record Completed(int pages, long routedRecords) implements Claim {
        }

        /** Write this page: its members (all of them, the excluded ones included) after {@code afterUserId}. */
        record Page(int page, String afterUserId, long recordsSoFar, List<String> members) implements Claim {
        }
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final GroupMembersStore members;

    public FanoutProgress(JdbcTemplate jdbc, TransactionTemplate transaction, GroupMembersStore members) {
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.members = members;
    }

    /**
     * In one database transaction, with the row locked: decides what the record at {@code position} (from
     * {@code origin} on the task topic) does, records what it proves and its claim, and reads the page's members.
     */
    public Claim claim(Key key, Position position, String origin, int pageSize) {
        return transaction.execute(status -> {
            Row row = lock(key);
            if (row == null) {
                if (!members.exists(key.groupId())) {
                    return new Claim.UnknownGroup();
                }
                jdbc.update("INSERT INTO fanout_progress (group_id, from_user_id, message_id) VALUES (?, ?, ?) "
                        + "ON CONFLICT DO NOTHING", key.groupId(), key.fromUserId(), key.messageId());
                row = lock(key);
            }
            Decision decision = decide(row, position, origin);
            if (decision instanceof Decision.Finished) {
                return new Claim.Skip("the fan-out is finished");
            }
            if (decision instanceof Decision.HeldBy held) {
                return new Claim.Skip("page " + held.page() + " is being written by task record " + held.origin());
            }
            Decision.Write write = (Decision.Write) decision;
            List<String> page = members.page(key.groupId(), write.afterUserId(), pageSize);
            if (page.isEmpty()) {
                jdbc.update("""
                        UPDATE fanout_progress SET pages_done = ?, last_user_id = ?, routed_records = ?,
                               claimed_page = NULL, claimed_by = NULL, done = true, finished_at = now(),
                               updated_at = now()
                        WHERE group_id = ? AND from_user_id = ? AND message_id = ?""",
                        write.page() - 1, write.afterUserId(), write.recordsSoFar(),
                        key.groupId(), key.fromUserId(), key.messageId());
                return new Claim.Completed(write.page() - 1, write.recordsSoFar());
            }
            jdbc.update("""
                    UPDATE fanout_progress SET pages_done = ?, last_user_id = ?, routed_records = ?,
                           claimed_page = ?, claimed_by = ?, updated_at = now()
                    WHERE group_id = ? AND from_user_id = ? AND message_id = ?""",
                    write.page() - 1, write.afterUserId(), write.recordsSoFar(), write.page(), origin,
                    key.groupId(), key.fromUserId(), key.messageId());
            return new Claim.Page(write.page(), write.afterUserId(), write.recordsSoFar(), page);
        });
    }

    /** A page failed before anything of it was sent: its claim is let go, so that a replay may take it over. */
    public void release(Key key, int page, String origin) {
        jdbc.update("UPDATE fanout_progress SET claimed_page = NULL, claimed_by = NULL, updated_at = now() "
                + "WHERE group_id = ? AND from_user_id = ? AND message_id = ? AND claimed_page = ? AND claimed_by = ?",
                key.groupId(), key.fromUserId(), key.messageId(), page, origin);
    }

    /** Forgets up to {@code limit} fan-outs finished longer ago than {@code retention}; returns how many. */
    public int purge(Duration retention, int limit) {
        return jdbc.update("""
                DELETE FROM fanout_progress WHERE ctid = ANY (ARRAY(
                    SELECT ctid FROM fanout_progress
                    WHERE done AND finished_at < now() - make_interval(secs => ?) LIMIT ?))""",
                (double) retention.toSeconds(), limit);
    }

    /** For tests and operators: the row, or null. */
    public Row find(Key key) {
        return jdbc.query("SELECT pages_done, last_user_id, routed_records, claimed_page, claimed_by, done "
                + "FROM fanout_progress WHERE group_id = ? AND from_user_id = ? AND message_id = ?",
                (rs, n) -> new Row(rs.getInt(1), rs.getString(2), rs.getLong(3),
                        (Integer) rs.getObject(4), rs.getString(5), rs.getBoolean(6)),
                key.groupId(), key.fromUserId(), key.messageId()).stream().findFirst().orElse(null);
    }

    private Row lock(Key key) {
        return jdbc.query("SELECT pages_done, last_user_id, routed_records, claimed_page, claimed_by, done "
                + "FROM fanout_progress WHERE group_id = ? AND from_user_id = ? AND message_id = ? FOR UPDATE",
                (rs, n) -> new Row(rs.getInt(1), rs.getString(2), rs.getLong(3),
                        (Integer) rs.getObject(4), rs.getString(5), rs.getBoolean(6)),
                key.groupId(), key.fromUserId(), key.messageId()).stream().findFirst().orElse(null);
    }

    /**
     * The rules. A record for page p proves that pages 1..p-1 are committed (it was read committed, and the
     * transaction of page p-1 wrote it), so the row moves up to it. The page to write is always the row's next one:
     * the record's own when it is the newest, the row's when the record is behind (a replay), resuming from the
     * row's cursor. A page claimed by another record is that record's to write: this one is a second copy.
     */
    static Decision decide(Row row, Position position, String origin) {
        if (row.done()) {
            return new Decision.Finished();
        }
        int pagesDone = row.pagesDone();
        String after = row.lastUserId();
        long records = row.routedRecords();
        if (position.page() - 1 > pagesDone) {
            pagesDone = position.page() - 1;
            after = position.afterUserId();
            records = position.recordsSoFar();
        }
        int next = pagesDone + 1;
        if (row.claimedPage() != null && row.claimedPage() == next && !Objects.equals(row.claimedBy(), origin)) {
            return new Decision.HeldBy(next, row.claimedBy());
        }
        return new Decision.Write(next, after, records);
    }
}
