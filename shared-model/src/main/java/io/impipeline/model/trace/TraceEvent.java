package io.impipeline.model.trace;

import java.util.Map;
import java.util.Objects;

/**
 * One stage's record of what it did with a message ({@code im-trace-topic}, key {@code message_id}, JSON like every
 * wire record): written by the router, the dispatcher and the task-worker inside the transaction that did the work,
 * so a trace event exists exactly when the work committed. The dlq-handler stores them in PostgreSQL and answers
 * {@code GET /api/v1/trace/...}.
 *
 * <pre>{ "message_id": "m1", "from_user_id": "u1", "stage": "routed", "app": "upstream-router",
 *   "at": 1764300000123, "detail": { "seq": 17, "partitions": [3, 7] } }</pre>
 *
 * @param messageId  the message's {@code message_id}
 * @param fromUserId its sender: a message is identified by ({@code from_user_id}, {@code message_id})
 * @param stage      what happened
 * @param app        which app did it ({@code spring.application.name})
 * @param at         when, epoch milliseconds (the stage's clock or its record's timestamp)
 * @param detail     a few stage-specific facts, snake_case keys, small values; never message content
 */
public record TraceEvent(String messageId, String fromUserId, TraceStage stage, String app, long at,
                         Map<String, Object> detail) {

    public TraceEvent {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(fromUserId, "fromUserId");
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(app, "app");
        detail = detail == null ? Map.of() : detail;
    }

    public static TraceEvent of(String messageId, String fromUserId, TraceStage stage, String app, long at) {
        return new TraceEvent(messageId, fromUserId, stage, app, at, Map.of());
    }

    /** The record key on {@code im-trace-topic}: every event of a message lands on one partition. */
    public String key() {
        return messageId;
    }
}
