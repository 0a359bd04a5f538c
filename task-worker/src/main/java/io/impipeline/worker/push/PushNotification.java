package io.impipeline.worker.push;

import io.impipeline.model.wire.OfflinePushPayload;

/** One notification for one offline user about one message (the webhook's JSON body, snake_case). */
public record PushNotification(String userId, String messageId, String conversationId, String title, String content,
                               String pushType) {

    public static PushNotification of(OfflinePushPayload payload) {
        return new PushNotification(payload.userId(), payload.messageId(), payload.conversationId(), payload.title(),
                payload.content(), payload.pushType());
    }

    /** Stable per (user, message): lets a receiver drop a repeat the worker could not rule out. */
    public String idempotencyKey() {
        return "push:" + userId + ":" + messageId;
    }
}
