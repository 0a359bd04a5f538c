package io.impipeline.platform.kafka;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How every consumer group member of the pipeline (Kafka Streams threads and Spring Kafka listeners) belongs to its
 * group ({@code im.kafka.*}).
 *
 * @param staticMembership a {@code group.instance.id} of {@code <spring.application.name>-<im.instance-id>} (stable
 *                         across restarts: the pod name in a StatefulSet): an instance restarted within the session
 *                         timeout gets its partitions back at once, with no rebalance and no wait for the dead
 *                         member's session to expire (the ~50 s stall after a {@code kill -9})
 * @param sessionTimeout   {@code session.timeout.ms}: how long the group waits for a member that stopped without
 *                         leaving before its partitions move to the others (with static membership a member never
 *                         leaves on close, so this is also how long a restart may take without a rebalance)
 */
@Validated
@ConfigurationProperties(MembershipProperties.PREFIX)
public record MembershipProperties(
        @DefaultValue("true") boolean staticMembership,
        @DefaultValue("10s") @NotNull Duration sessionTimeout) {

    public static final String PREFIX = "im.kafka";
}
