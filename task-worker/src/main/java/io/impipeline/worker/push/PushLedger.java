package io.impipeline.worker.push;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * {@code push_notifications}: one row per (user_id, from_user_id, message_id), whatever batch the user came in. A
 * batch claims its users' rows before it is sent and marks them after; a user whose row is {@code SENT} is left out
 * of every later send, so a retried or redelivered batch pushes nobody twice, and a batch that failed for some users
 * retries only those. Between send and mark a crash can repeat one send (at-least-once towards the provider; the
 * request carries a stable {@code Idempotency-Key}).
 */
public class PushLedger {

    private static final int MAX_ERROR = 1024;
    private static final int MAX_TITLE = 512;

    private final JdbcTemplate jdbc;

    public PushLedger(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Inserts a {@code PENDING} row for each user of the batch, or counts another attempt on a row not sent yet.
     * Returns the users to send to with their status before this attempt ({@code PENDING} for a new row,
     * {@code PENDING} or {@code REJECTED} from an earlier attempt), in the batch's order; users already {@code SENT}
     * are not in it (their rows are left untouched).
     */
    public Map<String, String> claim(PushBatch batch, String provider) {
        Map<String, String> status = new LinkedHashMap<>();
        jdbc.query(c -> {
            PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO push_notifications (user_id, from_user_id, message_id, conversation_id, push_type,
                                                    title, provider, status, attempts)
                    SELECT u, ?, ?, ?, ?, ?, ?, 'PENDING', 1 FROM unnest(?::varchar[]) AS u
                    ON CONFLICT (from_user_id, message_id, user_id) DO UPDATE
                        SET attempts = push_notifications.attempts + 1, updated_at = now()
                        WHERE push_notifications.status <> 'SENT'
                    RETURNING user_id, status""");
            ps.setString(1, batch.fromUserId());
            ps.setString(2, batch.messageId());
            ps.setString(3, batch.conversationId());
            ps.setString(4, batch.pushType());
            ps.setString(5, truncate(batch.title(), MAX_TITLE));
            ps.setString(6, provider);
            ps.setArray(7, c.createArrayOf("varchar", batch.userIds().toArray()));
            return ps;
        }, rs -> {
            status.put(rs.getString(1), rs.getString(2));
        });
        Map<String, String> ordered = new LinkedHashMap<>();
        batch.userIds().stream().filter(status::containsKey).forEach(u -> ordered.put(u, status.get(u)));
        return ordered;
    }

    /** Records the result of these users; a row already {@code SENT} keeps that status. */
    public void mark(PushBatch batch, List<String> users, PushResult result) {
        if (users.isEmpty()) {
            return;
        }
        String status = switch (result.status()) {
            case SENT -> "SENT";
            case REJECTED -> "REJECTED";
            case FAILED -> "PENDING";
        };
        jdbc.update(c -> {
            PreparedStatement ps = c.prepareStatement("UPDATE push_notifications SET status = ?, last_error = ?, "
                    + "updated_at = now() WHERE from_user_id = ? AND message_id = ? AND user_id = ANY (?) "
                    + "AND status <> 'SENT'");
            Array array = c.createArrayOf("varchar", users.toArray());
            ps.setString(1, status);
            ps.setString(2, truncate(result.detail(), MAX_ERROR));
            ps.setString(3, batch.fromUserId());
            ps.setString(4, batch.messageId());
            ps.setArray(5, array);
            return ps;
        });
    }

    private static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }
}
