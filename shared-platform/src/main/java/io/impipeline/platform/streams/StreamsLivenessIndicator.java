package io.impipeline.platform.streams;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.apache.kafka.streams.KafkaStreams;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.cloud.stream.binder.kafka.streams.KafkaStreamsRegistry;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;

/**
 * {@code streamsLiveness}: DOWN once a Kafka Streams client is dead for good (ERROR, or NOT_RUNNING / PENDING_* after
 * it had started), so that the liveness probe fails and the orchestrator restarts the app, which a stuck app cannot
 * do for itself. Starting, rebalancing and restoring are alive (readiness, {@link StreamsHealthIndicator}, keeps
 * traffic away meanwhile).
 */
public class StreamsLivenessIndicator implements HealthIndicator {

    private static final Set<KafkaStreams.State> DEAD = EnumSet.of(KafkaStreams.State.ERROR,
            KafkaStreams.State.NOT_RUNNING, KafkaStreams.State.PENDING_ERROR, KafkaStreams.State.PENDING_SHUTDOWN);

    private final KafkaStreamsRegistry registry;

    public StreamsLivenessIndicator(KafkaStreamsRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Health health() {
        List<StreamsBuilderFactoryBean> factories = registry.streamsBuilderFactoryBeans();
        Health.Builder health = Health.up();
        for (StreamsBuilderFactoryBean factory : factories) {
            KafkaStreams streams = factory.getKafkaStreams();
            if (streams == null) {
                continue; // not started yet: alive
            }
            KafkaStreams.State state = streams.state();
            health.withDetail(String.valueOf(factory.getStreamsConfiguration().get("application.id")), state.name());
            // ERROR is final; NOT_RUNNING and PENDING_SHUTDOWN are dead only while Spring means the client to run
            // (not during an orderly stop of the app).
            boolean failed = state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR;
            if (failed || (DEAD.contains(state) && factory.isRunning())) {
                health.down();
            }
        }
        return health.build();
    }
}
