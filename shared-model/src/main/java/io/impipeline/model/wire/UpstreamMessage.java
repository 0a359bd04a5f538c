package io.impipeline.model.wire;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * A client message as a gateway publishes it to {@code im-upstream-topic} (ARCHITECTURE §3).
 * Instances made by {@link io.impipeline.model.codec.WireValidator#decodeUpstream(byte[])} have passed
 * validation; the canonical constructor does not validate.
 */
public record UpstreamMessage(
        String messageId,
        String fromUserId,
        String toUserId,
        String conversationId,
        String content,
        String messageType,
        Map<String, Object> metadata,
        String gatewayId,
        String deviceId,
        long timestamp,
        String version,
        String groupId,
        Long deliverAt) {

    public static final String CURRENT_VERSION = "1.0";

    @JsonIgnore
    public boolean isGroupMessage() {
        return groupId != null;
    }

    public boolean isScheduledAfter(long nowMillis) {
        return deliverAt != null && deliverAt > nowMillis;
    }

    public UpstreamMessage withContent(String newContent) {
        return new UpstreamMessage(messageId, fromUserId, toUserId, conversationId, newContent, messageType, metadata,
                gatewayId, deviceId, timestamp, version, groupId, deliverAt);
    }
}
