package io.impipeline.model.topics;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

/**
 * How one topic is created. {@code retention} null means the broker default; {@code cleanupPolicy} is
 * {@code delete} or {@code compact}.
 */
public record TopicSpec(@NotBlank String name, @Min(1) int partitions, @Min(1) short replicas, Duration retention,
                        @NotBlank String cleanupPolicy) {

    public static TopicSpec delete(String name, int partitions, int replicas, Duration retention) {
        return new TopicSpec(name, partitions, (short) replicas, retention, "delete");
    }

    public static TopicSpec compact(String name, int partitions, int replicas) {
        return new TopicSpec(name, partitions, (short) replicas, null, "compact");
    }
}
