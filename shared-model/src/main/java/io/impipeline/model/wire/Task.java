package io.impipeline.model.wire;

import io.impipeline.model.codec.WireJson;
import tools.jackson.databind.JsonNode;

/**
 * An asynchronous task on {@code im-task-topic} (spec format). The payload stays a JSON tree on the wire; read it
 * typed with {@link #payloadAs(Class)} or the typed accessors.
 */
public record Task(TaskType taskType, String taskId, JsonNode payload, long timestamp, int retryCount, String version) {

    public static final String CURRENT_VERSION = "1.0";

    public static Task persist(SequencedMessage message, long now) {
        return of(TaskType.PERSIST_MESSAGE, "persist:" + message.message().fromUserId() + ":"
                + message.message().messageId(), message, now);
    }

    /** The task id names the message and the batch's first user: the same batch always gets the same id. */
    public static Task offlinePush(OfflinePushPayload payload, long now) {
        return of(TaskType.OFFLINE_PUSH, "push:" + payload.fromUserId() + ":" + payload.messageId() + ":"
                + payload.userIds().get(0), payload, now);
    }

    public static Task groupFanout(GroupFanoutPayload payload, long now) {
        return of(TaskType.GROUP_FANOUT, "fanout:" + payload.groupId() + ":" + payload.message().message().fromUserId()
                + ":" + payload.messageId(), payload, now);
    }

    private static Task of(TaskType type, String taskId, Object payload, long now) {
        // Through bytes, so that the tree is the one a reader of the topic gets (same node types: equal records).
        return new Task(type, taskId, WireJson.mapper().readTree(WireJson.toBytes(payload)), now, 0, CURRENT_VERSION);
    }

    public <T> T payloadAs(Class<T> type) {
        return WireJson.mapper().treeToValue(payload, type);
    }

    public SequencedMessage persistPayload() {
        return payloadAs(SequencedMessage.class);
    }

    public OfflinePushPayload offlinePushPayload() {
        return payloadAs(OfflinePushPayload.class);
    }

    public GroupFanoutPayload groupFanoutPayload() {
        return payloadAs(GroupFanoutPayload.class);
    }
}
