package io.impipeline.dispatcher.config;

import io.impipeline.model.wire.Task;

/**
 * How tasks are keyed on {@code im-task-topic} ({@code im.tasks.key-strategy}, ARCHITECTURE §2): by
 * {@code task_type} as the spec says (all tasks of a type on one partition, in order), or by the entity
 * ({@code offline_push} by {@code user_id}), which spreads the load over every partition.
 */
public enum TaskKeyStrategy {
    TASK_TYPE,
    ENTITY;

    /** The key of an {@code offline_push} task for {@code userId}. */
    public String offlinePushKey(Task task, String userId) {
        return this == TASK_TYPE ? task.taskType().wireName() : userId;
    }
}
