package io.impipeline.model.tasks;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How tasks are keyed ({@code im.tasks.*}), shared by every app that writes tasks.
 *
 * @param keyStrategy {@code task-type} (the spec: key = task type) or {@code entity} (conversation, user or group)
 */
@Validated
@ConfigurationProperties("im.tasks")
public record TasksProperties(@DefaultValue("task-type") @NotNull TaskKeyStrategy keyStrategy) {

    public static TasksProperties defaults() {
        return new TasksProperties(TaskKeyStrategy.TASK_TYPE);
    }
}
