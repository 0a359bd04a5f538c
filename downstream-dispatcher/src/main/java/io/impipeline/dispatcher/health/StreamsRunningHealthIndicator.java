package io.impipeline.dispatcher.health;

import org.apache.kafka.streams.KafkaStreams;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.cloud.stream.binder.kafka.streams.KafkaStreamsRegistry;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.stereotype.Component;

/**
 * Readiness: UP only while every Kafka Streams instance is RUNNING (not while it starts, rebalances or restores its
 * stores), so that no traffic (queries) reaches an instance that cannot answer. In the readiness group.
 */
@Component("streamsRunning")
public class StreamsRunningHealthIndicator implements HealthIndicator {

    private final KafkaStreamsRegistry registry;

    public StreamsRunningHealthIndicator(KafkaStreamsRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Health health() {
        if (registry.streamsBuilderFactoryBeans().isEmpty()) {
            return Health.outOfService().withDetail("state", "no streams").build();
        }
        for (StreamsBuilderFactoryBean factory : registry.streamsBuilderFactoryBeans()) {
            KafkaStreams streams = factory.getKafkaStreams();
            KafkaStreams.State state = streams == null ? null : streams.state();
            if (state != KafkaStreams.State.RUNNING) {
                return Health.outOfService().withDetail("state", String.valueOf(state)).build();
            }
        }
        return Health.up().withDetail("state", KafkaStreams.State.RUNNING.name()).build();
    }
}
