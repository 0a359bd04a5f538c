package io.impipeline.dlq.store;

import java.time.Instant;
import java.util.Map;

/** One row of {@code trace_events}: a stage of a message. */
public record TraceRow(long id, String messageId, String fromUserId, String stage, String app, Instant at,
                       Map<String, Object> detail) {
}
