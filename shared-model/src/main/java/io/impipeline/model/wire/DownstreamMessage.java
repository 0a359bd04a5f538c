package io.impipeline.model.wire;

import java.util.List;
import java.util.Map;

/**
 * What a gateway receives on {@code im-downstream-topic-{gateway_id}}, keyed by {@code to_user_id}: the spec's
 * downstream fields plus {@code seq}, {@code group_id} (group messages) and the recipient's {@code device_ids} on
 * that gateway.
 */
public record DownstreamMessage(
        String messageId,
        String fromUserId,
        String toUserId,
        String conversationId,
        String content,
        String messageType,
        Map<String, Object> metadata,
        long timestamp,
        String version,
        long seq,
        String groupId,
        List<String> deviceIds) {

    public static DownstreamMessage of(RoutedMessage routed, List<String> deviceIds) {
        UpstreamMessage m = routed.message();
        return new DownstreamMessage(m.messageId(), m.fromUserId(), routed.recipientId(), m.conversationId(),
                m.content(), m.messageType(), m.metadata(), m.timestamp(), m.version(), routed.seq(), m.groupId(),
                List.copyOf(deviceIds));
    }
}
