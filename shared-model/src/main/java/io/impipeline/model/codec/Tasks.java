package io.impipeline.model.codec;

import io.impipeline.model.wire.GroupFanoutPayload;
import io.impipeline.model.wire.OfflinePushPayload;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.Task;
import io.impipeline.model.wire.TaskType;

/**
 * Tasks to and from JSON: the three task types made from their payloads, and a task's payload read as its type. Here
 * in {@code codec} rather than on {@link Task}, so that the wire records stay plain data with no dependency on the
 * mapping (which itself reads and writes the wire records).
 */
public final class Tasks {

    private Tasks() {
    }

    /** The task id names the message by its identity (from_user_id, message_id). */
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
        return new Task(type, taskId, WireJson.mapper().readTree(WireJson.toBytes(payload)), now, 0,
                Task.CURRENT_VERSION);
    }

    /** The task's payload (a JSON tree on the wire) read as {@code type}. */
    public static <T> T payloadAs(Task task, Class<T> type) {
        return WireJson.mapper().treeToValue(task.payload(), type);
    }

    public static SequencedMessage persistPayload(Task task) {
        return payloadAs(task, SequencedMessage.class);
    }

    public static OfflinePushPayload offlinePushPayload(Task task) {
        return payloadAs(task, OfflinePushPayload.class);
    }

    public static GroupFanoutPayload groupFanoutPayload(Task task) {
        return payloadAs(task, GroupFanoutPayload.class);
    }
}
