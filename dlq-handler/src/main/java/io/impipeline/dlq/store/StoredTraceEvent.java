package io.impipeline.dlq.store;

import java.time.Instant;

/**
 * A trace event read from {@code im-trace-topic}, checked to be storable: ids and app short text without NUL, the
 * stage a wire name, the detail a JSON object as text.
 *
 * @param topic     where it was read, with {@code partition} and {@code offset}: the store keeps its progress per topic
 *                  partition, and a redelivered event (below the progress) is stored once
 */
public record StoredTraceEvent(String messageId, String fromUserId, String stage, String app, Instant at,
                               String detailJson, String topic, int partition, long offset) {
}
