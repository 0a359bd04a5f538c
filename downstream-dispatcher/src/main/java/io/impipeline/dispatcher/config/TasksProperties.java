package io.impipeline.dispatcher.config;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Task settings shared with the router ({@code im.tasks.*}).
 *
 * @param keyStrategy {@code task-type} (the spec's default) or {@code entity}
 */
@Validated
@ConfigurationProperties("im.tasks")
public record TasksProperties(@DefaultValue("task-type") @NotNull TaskKeyStrategy keyStrategy) {
}
