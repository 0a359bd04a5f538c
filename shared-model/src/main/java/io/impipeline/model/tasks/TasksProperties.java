package io.impipeline.model.tasks;

import jakarta.validation.constraints.NotNull;

/**
 * How tasks are keyed ({@code im.tasks.*}), shared by every app that writes tasks.
 *
 * @param keyStrategy {@code task-type} (the spec: key = task type) or {@code entity} (conversation, user or group)
 */
public record TasksProperties(@NotNull TaskKeyStrategy keyStrategy) {

    /** Left out: the spec's {@code task-type} (shared-platform binds {@code im.tasks.*} to this record). */
    public TasksProperties {
        keyStrategy = keyStrategy == null ? TaskKeyStrategy.TASK_TYPE : keyStrategy;
    }

    public static TasksProperties defaults() {
        return new TasksProperties(TaskKeyStrategy.TASK_TYPE);
    }
}
