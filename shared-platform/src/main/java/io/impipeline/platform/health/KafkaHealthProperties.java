package io.impipeline.platform.health;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The broker health check ({@code im.health.kafka.*}).
 *
 * @param enabled whether the app has the {@code kafka} health component; off unless the app turns it on (the
 *                task-worker and the dlq-handler do; the Streams apps report their streams' state instead)
 * @param timeout how long the check waits for the cluster to answer before reporting DOWN
 */
@Validated
@ConfigurationProperties("im.health.kafka")
public record KafkaHealthProperties(
        @DefaultValue("false") boolean enabled,
        // At most a minute: the admin client takes the timeout in int milliseconds, and a probe waits for it.
        @DefaultValue("5s") @NotNull @DurationMin(millis = 1) @DurationMax(minutes = 1) Duration timeout) {
}
