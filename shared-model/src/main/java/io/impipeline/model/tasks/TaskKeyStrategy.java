package io.impipeline.model.tasks;

import io.impipeline.model.wire.Task;

/**
 * The record key of a task on {@code im-task-topic} ({@code im.tasks.key-strategy}, ARCHITECTURE §2).
 * {@code TASK_TYPE} follows the spec: all tasks of a type on one partition, in order, simple to reason about, but one
 * partition per type carries the load. {@code ENTITY} keys {@code persist_message} by conversation,
 * {@code offline_push} by user and {@code group_fanout} by group: load spreads over every partition and the tasks of
 * one conversation, user or group stay in order.
 */
public enum TaskKeyStrategy {
    TASK_TYPE,
    ENTITY;

    /** @param entityId conversation id (persist), user id (push) or group id (fan-out) */
    public String keyOf(Task task, String entityId) {
        return this == TASK_TYPE ? task.taskType().wireName() : entityId;
    }
}
