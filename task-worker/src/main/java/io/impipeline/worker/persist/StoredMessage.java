package io.impipeline.worker.persist;

import java.util.Map;

/**
 * A message as stored in {@code messages} and served by the history API (snake_case JSON, epoch milliseconds).
 *
 * @param timestamp  the client's timestamp
 * @param acceptedAt when the router sequenced it
 * @param storedAt   when the worker stored it
 */
public record StoredMessage(
        String messageId,
        String conversationId,
        long seq,
        String fromUserId,
        String toUserId,
        String groupId,
        String messageType,
        String content,
        Map<String, Object> metadata,
        String gatewayId,
        String deviceId,
        String version,
        long timestamp,
        Long acceptedAt,
        long storedAt,
        String traceId) {
}
