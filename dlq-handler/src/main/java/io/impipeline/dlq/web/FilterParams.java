package io.impipeline.dlq.web;

import java.util.Locale;

import io.impipeline.dlq.api.TimeParam;
import io.impipeline.dlq.store.DeadLetterFilter;
import io.impipeline.dlq.store.DeadLetterStatus;
import io.impipeline.platform.web.ApiException;

/**
 * The filter of the list, summary and by-filter endpoints, as query parameters or a JSON body:
 * {@code original_topic, stage, reason, status, from, to} (times ISO-8601 or epoch ms; {@code to} exclusive),
 * {@code key, message_id, from_user_id, conversation_id} (exact) and {@code exception_contains} (a case-insensitive
 * part of the exception message). All given ones must match.
 */
public record FilterParams(String originalTopic, String stage, String reason, String status, String from,
                           String to, String key, String messageId, String fromUserId, String conversationId,
                           String exceptionContains) {

    public static final FilterParams NONE = new FilterParams(null, null, null, null, null, null, null, null, null,
            null, null);

    public DeadLetterFilter toFilter() {
        var f = new DeadLetterFilter(text("original_topic", originalTopic), text("stage", stage),
                text("reason", reason), status(status), TimeParam.parse("from", from), TimeParam.parse("to", to),
                exact("key", key), text("message_id", messageId), text("from_user_id", fromUserId),
                text("conversation_id", conversationId), exact("exception_contains", exceptionContains));
        if (f.from() != null && f.to() != null && !f.from().isBefore(f.to())) {
            throw ApiException.invalidField("from must be before to");
        }
        return f;
    }

    /** Whether no criterion is given, blank ones included (a discard by filter needs one). */
    public boolean isEmpty() {
        return toFilter().isEmpty();
    }

    private static DeadLetterStatus status(String s) {
        if (s == null || s.isBlank()) {
            return null;
        }
        try {
            return DeadLetterStatus.valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidField("status must be NEW, REPLAYED or DISCARDED");
        }
    }

    /** Trimmed, null when blank. */
    private static String text(String name, String s) {
        return s == null || s.isBlank() ? null : storable(name, s.trim());
    }

    /** As given (a key may have meaningful spaces), null when empty. */
    private static String exact(String name, String s) {
        return s == null || s.isEmpty() ? null : storable(name, s);
    }

    /** PostgreSQL refuses NUL in a text parameter: a 400 here rather than a 500 from the driver. */
    private static String storable(String name, String s) {
        if (s.indexOf('\0') >= 0) {
            throw ApiException.invalidField(name + " must not contain NUL characters");
        }
        return s;
    }
}
