package io.impipeline.model.wire;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * What a gateway receives on {@code im-downstream-topic-{gateway_id}} (ARCHITECTURE §3, contract v2): the spec's
 * downstream fields plus {@code seq}, {@code group_id} (group messages) and who it is for on that gateway:
 * <ul>
 *   <li>single chat: {@code to_user_id} and the recipient's {@code device_ids} on that gateway, key = {@code to_user_id};</li>
 *   <li>group chat: {@code recipients}, each an online member on this gateway with its devices (never the sender),
 *       one record per (message, gateway, routed batch), key = {@code conversation_id}.</li>
 * </ul>
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
        @JsonInclude(JsonInclude.Include.NON_NULL) List<String> deviceIds,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<Recipient> recipients) {

    /** A group member online on the gateway, with its devices there. */
    public record Recipient(String userId, List<String> deviceIds) {
        public Recipient {
            deviceIds = List.copyOf(deviceIds);
        }
    }

    /** Single chat: the recipient's devices on one gateway. */
    public static DownstreamMessage of(RoutedMessage routed, List<String> deviceIds) {
        UpstreamMessage m = routed.message();
        return new DownstreamMessage(m.messageId(), m.fromUserId(), routed.recipientId(), m.conversationId(),
                m.content(), m.messageType(), m.metadata(), m.timestamp(), m.version(), routed.seq(), m.groupId(),
                List.copyOf(deviceIds), null);
    }

    /** Group chat: the batch's members online on one gateway. */
    public static DownstreamMessage forGroup(RoutedMessage routed, List<Recipient> recipients) {
        UpstreamMessage m = routed.message();
        return new DownstreamMessage(m.messageId(), m.fromUserId(), null, m.conversationId(),
                m.content(), m.messageType(), m.metadata(), m.timestamp(), m.version(), routed.seq(), m.groupId(),
                null, List.copyOf(recipients));
    }

    @JsonIgnore
    public boolean isGroupBatch() {
        return recipients != null;
    }
}
