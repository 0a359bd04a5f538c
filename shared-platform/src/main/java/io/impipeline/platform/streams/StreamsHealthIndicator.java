package io.impipeline.platform.streams;

import java.util.List;

import org.apache.kafka.streams.KafkaStreams;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.cloud.stream.binder.kafka.streams.KafkaStreamsRegistry;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;

/**
 * {@code streams}: UP only while every Kafka Streams instance of the app is RUNNING, with each application id's
 * state as a detail. In the readiness group, so that an instance that is starting, restoring its stores or
 * rebalancing gets no queries it cannot answer.
 */
public class StreamsHealthIndicator implements HealthIndicator {

    private final KafkaStreamsRegistry registry;

    public StreamsHealthIndicator(KafkaStreamsRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Health health() {
        List<StreamsBuilderFactoryBean> factories = registry.streamsBuilderFactoryBeans();
        if (factories.isEmpty()) {
            return Health.outOfService().withDetail("state", "NOT_STARTED").build();
        }
        Health.Builder health = Health.up();
        for (StreamsBuilderFactoryBean factory : factories) {
            KafkaStreams streams = factory.getKafkaStreams();
            KafkaStreams.State state = streams == null ? null : streams.state();
            String id = String.valueOf(factory.getStreamsConfiguration().get("application.id"));
            health.withDetail(id, state == null ? "NOT_STARTED" : state.name());
            if (state != KafkaStreams.State.RUNNING) {
                health.outOfService();
            }
        }
        return health.build();
    }
}
