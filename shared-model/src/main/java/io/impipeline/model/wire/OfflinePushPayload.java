package io.impipeline.model.wire;

import java.util.List;

/**
 * Payload of an {@code offline_push} task (contract v2): the batch of offline {@code user_ids} (1 to
 * {@link #MAX_USERS}) a message is pushed to, the message's identity ({@code from_user_id}, {@code message_id}), the
 * spec's {@code title}, {@code content}, {@code push_type}, and the conversation for deep links. A push provider
 * receives the batch; the push ledger keeps one row per (user, message), so a retry pushes nobody twice.
 */
public record OfflinePushPayload(List<String> userIds, String fromUserId, String messageId, String title,
                                 String content, String pushType, String conversationId) {

    /** Most users in one {@code offline_push} task (ARCHITECTURE §3). */
    public static final int MAX_USERS = 500;

    public OfflinePushPayload {
        userIds = List.copyOf(userIds);
    }
}
