package io.impipeline.dlq.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.impipeline.dlq.letter.CapturedDeadLetter;
import io.impipeline.dlq.letter.HeaderCodec;
import io.impipeline.model.trace.TraceStage;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** {@code dead_letters}: idempotent capture, filtered listing with a keyset cursor, status changes. */
@Repository
public class DeadLetterRepository {

    private static final String INSERT = """
            INSERT INTO dead_letters (dlq_topic, dlq_partition, dlq_offset, record_key, key_text, value, value_text,
                headers, stage, reason, exception_class, exception_message, original_topic, original_partition,
                original_offset, original_timestamp, failed_at, message_id, from_user_id, conversation_id,
                capture_error)
            VALUES (:dlqTopic, :dlqPartition, :dlqOffset, :key, :keyText, :value, :valueText, CAST(:headers AS jsonb),
                :stage, :reason, :exceptionClass, :exceptionMessage, :originalTopic, :originalPartition,
                :originalOffset, :originalTimestamp, :failedAt, :messageId, :fromUserId, :conversationId,
                :captureError)
            ON CONFLICT (dlq_topic, dlq_partition, dlq_offset) DO NOTHING
            """;
    private static final String COLUMNS = """
            id, dlq_topic, dlq_partition, dlq_offset, record_key, key_text, value, value_text, headers::text AS headers,
            stage, reason, exception_class, exception_message, original_topic, original_partition, original_offset,
            original_timestamp, failed_at, captured_at, status, status_changed_at, replay_count, last_replayed_at,
            coalesce(octet_length(value), 0) AS value_size, message_id, from_user_id, conversation_id, capture_error
            """;
    /** Listing pages leave out what can be large (values up to the record limit, headers). */
    private static final String LIST_COLUMNS = COLUMNS.replace(" value,", " NULL::bytea AS value,")
            .replace("headers::text AS headers", "'[]' AS headers");
    private static final RowMapper<DeadLetterRow> ROW = DeadLetterRepository::map;

    private final NamedParameterJdbcTemplate jdbc;
    private final JdbcClient client;

    public DeadLetterRepository(NamedParameterJdbcTemplate jdbc, JdbcClient client) {
        this.jdbc = jdbc;
        this.client = client;
    }

    /** Stores each letter unless a row with its DLQ coordinates exists; returns, per letter, whether it was new. */
    public boolean[] insertAll(List<CapturedDeadLetter> letters) {
        SqlParameterSource[] params = letters.stream().map(DeadLetterRepository::params)
                .toArray(SqlParameterSource[]::new);
        int[] counts = jdbc.batchUpdate(INSERT, params);
        boolean[] inserted = new boolean[counts.length];
        for (int i = 0; i < counts.length; i++) {
            inserted[i] = counts[i] > 0;
        }
        return inserted;
    }

    /** Stores one letter unless a row with its DLQ coordinates exists; whether it was new. */
    public boolean insert(CapturedDeadLetter letter) {
        return jdbc.update(INSERT, params(letter)) > 0;
    }

    public Optional<DeadLetterRow> find(long id) {
        return client.sql("SELECT " + COLUMNS + " FROM dead_letters WHERE id = :id").param("id", id)
                .query(ROW).optional();
    }

    /** Locks the row for a replay or discard, so that two operators cannot act on it at once. */
    public Optional<DeadLetterRow> findForUpdate(long id) {
        return client.sql("SELECT " + COLUMNS + " FROM dead_letters WHERE id = :id FOR UPDATE").param("id", id)
                .query(ROW).optional();
    }

    /** Newest first; {@code beforeId} is the cursor (exclusive), null for the first page. */
    public List<DeadLetterRow> list(DeadLetterFilter filter, Long beforeId, int limit) {
        Where where = where(filter);
        if (beforeId != null) {
            where.and("id < :beforeId", "beforeId", beforeId);
        }
        where.params.addValue("limit", limit);
        return jdbc.query("SELECT " + LIST_COLUMNS + " FROM dead_letters" + where.sql() + " ORDER BY id DESC LIMIT :limit",
                where.params, ROW);
    }

    /**
     * The next chunk (oldest first, after {@code afterId}) of rows matching the filter, locked; rows another
     * transaction holds are skipped rather than waited for.
     */
    public List<DeadLetterRow> lockChunk(DeadLetterFilter filter, long afterId, int limit) {
        Where where = where(filter).and("id > :afterId", "afterId", afterId);
        where.params.addValue("limit", limit);
        return jdbc.query("SELECT " + COLUMNS + " FROM dead_letters" + where.sql()
                + " ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED", where.params, ROW);
    }

    public void markReplayed(List<Long> ids, Instant at) {
        if (ids.isEmpty()) {
            return;
        }
        jdbc.update("""
                UPDATE dead_letters SET status = 'REPLAYED', replay_count = replay_count + 1, last_replayed_at = :at,
                    status_changed_at = :at WHERE id IN (:ids)
                """, new MapSqlParameterSource("ids", ids).addValue("at", Timestamp.from(at)));
    }

    public int discard(long id, Instant at) {
        return client.sql("UPDATE dead_letters SET status = 'DISCARDED', status_changed_at = :at WHERE id = :id")
                .param("id", id).param("at", Timestamp.from(at)).update();
    }

    /**
     * Discards every match that is not discarded yet and, in the same statement when {@code trace}, writes a
     * {@code discarded} trace row (detail: dead letter id, actor) for each that names a message; how many were
     * discarded.
     */
    public int discardAll(DeadLetterFilter filter, Instant at, String actor, boolean trace) {
        Where where = where(filter).and("status <> 'DISCARDED'");
        where.params.addValue("at", Timestamp.from(at)).addValue("actor", actor)
                .addValue("stage", TraceStage.DISCARDED.wireName()).addValue("app", TraceRepository.APP)
                .addValue("trace", trace);
        Integer n = jdbc.queryForObject("""
                WITH d AS (
                    UPDATE dead_letters SET status = 'DISCARDED', status_changed_at = :at""" + where.sql() + """
                     RETURNING id, message_id, from_user_id),
                t AS (
                    INSERT INTO trace_events (message_id, from_user_id, stage, app, at, detail)
                    SELECT message_id, from_user_id, :stage, :app, :at,
                           jsonb_build_object('dead_letter_id', id, 'actor', CAST(:actor AS text))
                    FROM d WHERE :trace AND message_id IS NOT NULL AND from_user_id IS NOT NULL ORDER BY id)
                SELECT count(*) FROM d
                """, where.params, Integer.class);
        return n == null ? 0 : n;
    }

    /** Counts per original topic and reason, each split by status. */
    public List<SummaryRow> summary(DeadLetterFilter filter) {
        Where where = where(filter);
        return jdbc.query("""
                SELECT original_topic, reason,
                       count(*) FILTER (WHERE status = 'NEW') AS new_count,
                       count(*) FILTER (WHERE status = 'REPLAYED') AS replayed_count,
                       count(*) FILTER (WHERE status = 'DISCARDED') AS discarded_count,
                       count(*) AS total, max(failed_at) AS last_failed_at
                FROM dead_letters""" + where.sql() + """
                 GROUP BY original_topic, reason ORDER BY original_topic NULLS LAST, reason NULLS LAST
                """, where.params, (rs, i) -> new SummaryRow(rs.getString("original_topic"), rs.getString("reason"),
                rs.getLong("new_count"), rs.getLong("replayed_count"), rs.getLong("discarded_count"),
                rs.getLong("total"), instant(rs, "last_failed_at")));
    }

    /**
     * Dead letters per reason per time bucket of {@code bucketSeconds}, by arrival ({@code captured_at}) since
     * {@code since}; buckets are aligned to the epoch ({@code bucket_start} a multiple of the bucket), oldest first.
     * A row without a reason counts as {@code UNKNOWN}.
     */
    public List<ReasonBucket> countsByReason(Instant since, long bucketSeconds) {
        return jdbc.query("""
                SELECT coalesce(reason, 'UNKNOWN') AS reason,
                       to_timestamp(floor(extract(epoch FROM captured_at) / :bucket) * :bucket) AS bucket_start,
                       count(*) AS n
                FROM dead_letters WHERE captured_at >= :since
                GROUP BY 1, 2 ORDER BY 2, 1
                """, new MapSqlParameterSource("since", Timestamp.from(since)).addValue("bucket", bucketSeconds),
                (rs, i) -> new ReasonBucket(rs.getString("reason"), instant(rs, "bucket_start"), rs.getLong("n")));
    }

    public record ReasonBucket(String reason, Instant bucketStart, long count) {
    }

    public record SummaryRow(String originalTopic, String reason, long newCount, long replayed, long discarded,
                             long total, Instant lastFailedAt) {
    }

    private static Where where(DeadLetterFilter f) {
        Where w = new Where();
        if (f.originalTopic() != null) {
            w.and("original_topic = :originalTopic", "originalTopic", f.originalTopic());
        }
        if (f.stage() != null) {
            w.and("stage = :stage", "stage", f.stage());
        }
        if (f.reason() != null) {
            w.and("reason = :reason", "reason", f.reason());
        }
        if (f.status() != null) {
            w.and("status = :status", "status", f.status().name());
        }
        if (f.from() != null) {
            w.and("failed_at >= :from", "from", Timestamp.from(f.from()));
        }
        if (f.to() != null) {
            w.and("failed_at < :to", "to", Timestamp.from(f.to()));
        }
        if (f.key() != null) {
            w.and("key_text = :key", "key", f.key());
        }
        if (f.messageId() != null) {
            w.and("message_id = :messageId", "messageId", f.messageId());
        }
        if (f.fromUserId() != null) {
            w.and("from_user_id = :fromUserId", "fromUserId", f.fromUserId());
        }
        if (f.conversationId() != null) {
            w.and("conversation_id = :conversationId", "conversationId", f.conversationId());
        }
        if (f.exceptionContains() != null) {
            // Backslash is LIKE's default escape character in PostgreSQL.
            w.and("exception_message ILIKE :exceptionPattern", "exceptionPattern",
                    "%" + likeEscaped(f.exceptionContains()) + "%");
        }
        return w;
    }

    /** The text with LIKE's wildcards and escape character taken literally. */
    static String likeEscaped(String s) {
        return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    /** A WHERE clause built from bound parameters only. */
    private static final class Where {
        private final List<String> clauses = new ArrayList<>();
        private final MapSqlParameterSource params = new MapSqlParameterSource();

        Where and(String clause, String name, Object value) {
            clauses.add(clause);
            params.addValue(name, value);
            return this;
        }

        Where and(String clause) {
            clauses.add(clause);
            return this;
        }

        String sql() {
            return clauses.isEmpty() ? "" : " WHERE " + String.join(" AND ", clauses);
        }
    }

    private static SqlParameterSource params(CapturedDeadLetter d) {
        return new MapSqlParameterSource()
                .addValue("dlqTopic", d.dlqTopic()).addValue("dlqPartition", d.dlqPartition())
                .addValue("dlqOffset", d.dlqOffset())
                .addValue("key", d.key()).addValue("keyText", d.keyText())
                .addValue("value", d.value()).addValue("valueText", d.valueText())
                .addValue("headers", HeaderCodec.toJson(d.headers()))
                .addValue("stage", d.stage()).addValue("reason", d.reason())
                .addValue("exceptionClass", d.exceptionClass()).addValue("exceptionMessage", d.exceptionMessage())
                .addValue("originalTopic", d.originalTopic()).addValue("originalPartition", d.originalPartition())
                .addValue("originalOffset", d.originalOffset())
                .addValue("originalTimestamp", timestamp(d.originalTimestamp()))
                .addValue("failedAt", timestamp(d.failedAt()))
                .addValue("messageId", d.ids().messageId()).addValue("fromUserId", d.ids().fromUserId())
                .addValue("conversationId", d.ids().conversationId())
                .addValue("captureError", d.captureError());
    }

    private static Timestamp timestamp(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    private static DeadLetterRow map(ResultSet rs, int row) throws SQLException {
        return new DeadLetterRow(rs.getLong("id"), rs.getString("dlq_topic"), rs.getInt("dlq_partition"),
                rs.getLong("dlq_offset"), rs.getBytes("record_key"), rs.getString("key_text"), rs.getBytes("value"),
                rs.getString("value_text"), HeaderCodec.fromJson(rs.getString("headers")), rs.getString("stage"),
                rs.getString("reason"), rs.getString("exception_class"), rs.getString("exception_message"),
                rs.getString("original_topic"), (Integer) rs.getObject("original_partition"),
                (Long) rs.getObject("original_offset"), instant(rs, "original_timestamp"),
                instant(rs, "failed_at"), instant(rs, "captured_at"),
                DeadLetterStatus.valueOf(rs.getString("status")), instant(rs, "status_changed_at"),
                rs.getInt("replay_count"), instant(rs, "last_replayed_at"), rs.getInt("value_size"),
                rs.getString("message_id"), rs.getString("from_user_id"), rs.getString("conversation_id"),
                rs.getString("capture_error"));
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
