package io.impipeline.model.wire;

/** Payload of an {@code offline_push} task: the spec's fields plus the conversation for deep links. */
public record OfflinePushPayload(String userId, String messageId, String title, String content, String pushType,
                                 String conversationId) {
}
