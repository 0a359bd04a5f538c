package io.impipeline.worker.push;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * {@code push_notifications}: one row per (user_id, message_id). A push is claimed before it is sent and marked
 * {@code SENT} after, so a redelivered task finds it sent and does nothing. Between send and mark a crash can
 * repeat one push (at-least-once towards the provider; the webhook gets a stable {@code Idempotency-Key}).
 */
public class PushLedger {

    private static final int MAX_ERROR = 1024;
    private static final int MAX_TITLE = 512;

    private final JdbcTemplate jdbc;

    public PushLedger(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Inserts the row or counts another attempt; returns the status before this attempt ({@code PENDING} for a new
     * row: the update never changes the status, so {@code RETURNING} shows the previous one).
     */
    public String claim(PushNotification n, String provider) {
        return jdbc.queryForObject("""
                INSERT INTO push_notifications (user_id, message_id, conversation_id, push_type, title, provider,
                                                status, attempts)
                VALUES (?, ?, ?, ?, ?, ?, 'PENDING', 1)
                ON CONFLICT (user_id, message_id) DO UPDATE
                    SET attempts = push_notifications.attempts
                                   + CASE WHEN push_notifications.status = 'SENT' THEN 0 ELSE 1 END,
                        updated_at = now()
                RETURNING status""",
                String.class, n.userId(), n.messageId(), n.conversationId(), n.pushType(), truncate(n.title(), MAX_TITLE),
                provider);
    }

    public void mark(PushNotification n, PushResult result) {
        String status = switch (result.status()) {
            case SENT -> "SENT";
            case REJECTED -> "REJECTED";
            case FAILED -> "PENDING";
        };
        jdbc.update("UPDATE push_notifications SET status = ?, last_error = ?, updated_at = now() "
                + "WHERE user_id = ? AND message_id = ?", status, truncate(result.detail(), MAX_ERROR), n.userId(), n.messageId());
    }

    private static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }
}
