package io.impipeline.router.config;

import io.impipeline.model.wire.Task;

/**
 * The record key of a task. {@code TASK_TYPE} follows the spec (all tasks of a type on one partition: simple to
 * reason about, but one partition per type carries the load); {@code ENTITY} spreads load over every partition and
 * keeps the tasks of one conversation, user or group in order.
 */
public enum TaskKeyStrategy {
    TASK_TYPE,
    ENTITY;

    /** @param entityId conversation id (persist), user id (push) or group id (fan-out) */
    public String keyOf(Task task, String entityId) {
        return this == TASK_TYPE ? task.taskType().wireName() : entityId;
    }
}
