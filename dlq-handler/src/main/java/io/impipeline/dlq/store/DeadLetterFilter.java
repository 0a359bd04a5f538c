package io.impipeline.dlq.store;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an operator selects dead letters by; null fields select everything, given ones are combined with AND.
 * {@code from} inclusive, {@code to} exclusive, on {@code failed_at}. {@code key}, {@code messageId},
 * {@code fromUserId} and {@code conversationId} match exactly; {@code exceptionContains} is a case-insensitive
 * substring of the exception message.
 */
public record DeadLetterFilter(String originalTopic, String stage, String reason, DeadLetterStatus status,
                               Instant from, Instant to, String key, String messageId, String fromUserId,
                               String conversationId, String exceptionContains) {

    public DeadLetterFilter(String originalTopic, String stage, String reason, DeadLetterStatus status, Instant from,
                            Instant to) {
        this(originalTopic, stage, reason, status, from, to, null, null, null, null, null);
    }

    /** Whether it selects everything. */
    public boolean isEmpty() {
        return equals(new DeadLetterFilter(null, null, null, null, null, null));
    }

    public DeadLetterFilter withStatus(DeadLetterStatus s) {
        return new DeadLetterFilter(originalTopic, stage, reason, s, from, to, key, messageId, fromUserId,
                conversationId, exceptionContains);
    }

    /** The given criteria by their wire names, in a fixed order (for the audit log). */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        put(m, "original_topic", originalTopic);
        put(m, "stage", stage);
        put(m, "reason", reason);
        put(m, "status", status == null ? null : status.name());
        put(m, "from", from == null ? null : from.toString());
        put(m, "to", to == null ? null : to.toString());
        put(m, "key", key);
        put(m, "message_id", messageId);
        put(m, "from_user_id", fromUserId);
        put(m, "conversation_id", conversationId);
        put(m, "exception_contains", exceptionContains);
        return m;
    }

    /**
     * The filter as one line of text ({@code original_topic=im-upstream-topic reason=TOO_LARGE}), {@code (all)} when
     * empty: the target of a by-filter audit entry. Values are quoted when they hold spaces, quotes or {@code =}, so
     * that one criterion cannot pass for two.
     */
    public String describe() {
        Map<String, Object> m = asMap();
        if (m.isEmpty()) {
            return "(all)";
        }
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(k).append('=').append(quoted(String.valueOf(v)));
        });
        return sb.toString();
    }

    private static String quoted(String v) {
        boolean plain = !v.isEmpty() && v.chars().noneMatch(c -> c == ' ' || c == '"' || c == '=' || c == '\\'
                || Character.isISOControl(c));
        if (plain) {
            return v;
        }
        StringBuilder sb = new StringBuilder("\"");
        v.codePoints().forEach(c -> {
            if (c == '"' || c == '\\') {
                sb.append('\\').appendCodePoint(c);
            } else if (Character.isISOControl(c)) {
                sb.append(String.format("\\u%04x", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return sb.append('"').toString();
    }

    private static void put(Map<String, Object> m, String name, Object value) {
        if (value != null) {
            m.put(name, value);
        }
    }
}
