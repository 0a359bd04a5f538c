package io.impipeline.dlq.store;

import java.time.Instant;

/**
 * A trace event read from {@code im-trace-topic}, checked to be storable: ids and app short text without NUL, the
 * stage a wire name, the detail a JSON object as text.
 *
 * @param partition where it was read (with {@code offset}: a redelivery is stored once)
 */
public record StoredTraceEvent(String messageId, String fromUserId, String stage, String app, Instant at,
                               String detailJson, int partition, long offset) {
}
