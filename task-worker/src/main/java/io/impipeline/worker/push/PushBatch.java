package io.impipeline.worker.push;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.impipeline.model.wire.OfflinePushPayload;

/**
 * One notification about one message for a batch of offline users: what a {@link PushProvider} sends in one call
 * (the webhook's JSON body, snake_case: {@code user_ids, from_user_id, message_id, conversation_id, title, content,
 * push_type}).
 *
 * @param idempotencyKey stable for the same users of the same task: {@code push:<from>:<message>:<first user>} (the
 *                       task id) when the call carries the task's whole batch, with {@code /<hash of the users>}
 *                       appended when it carries only the users not pushed yet, so a receiver that remembers keys
 *                       never drops the rest of a batch as a repeat of its first part
 */
public record PushBatch(List<String> userIds, String fromUserId, String messageId, String conversationId,
                        String title, String content, String pushType, @JsonIgnore String idempotencyKey) {

    public PushBatch {
        userIds = List.copyOf(userIds);
    }

    /** The task's batch (users de-duplicated, in order). */
    public static PushBatch of(OfflinePushPayload payload) {
        List<String> users = payload.userIds().stream().distinct().toList();
        return new PushBatch(users, payload.fromUserId(), payload.messageId(), payload.conversationId(),
                payload.title(), payload.content(), payload.pushType(), taskKey(payload.fromUserId(),
                        payload.messageId(), users.get(0)));
    }

    /** The same notification for some of the users (those not pushed yet). */
    public PushBatch only(List<String> users) {
        if (users.equals(userIds)) {
            return this;
        }
        return new PushBatch(users, fromUserId, messageId, conversationId, title, content, pushType,
                idempotencyKey + "/" + hash(users));
    }

    /** The id {@code Tasks.offlinePush} gives the task. */
    static String taskKey(String fromUserId, String messageId, String firstUser) {
        return "push:" + fromUserId + ":" + messageId + ":" + firstUser;
    }

    private static String hash(List<String> users) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            users.stream().sorted().forEach(u -> {
                sha.update(u.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            });
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
