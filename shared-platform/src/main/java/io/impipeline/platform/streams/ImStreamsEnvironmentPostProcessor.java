package io.impipeline.platform.streams;

import java.util.LinkedHashMap;
import java.util.Map;

import io.impipeline.model.codec.ValidatingSerde;
import io.impipeline.model.codec.ValidationLimits;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.platform.autoconfigure.ContractProperties;
import io.impipeline.platform.autoconfigure.InstanceProperties;
import io.impipeline.platform.kafka.Membership;
import io.impipeline.platform.kafka.MembershipProperties;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Makes {@code im.topics.*} and {@code im.streams.*} the one source of the wiring:
 * <ul>
 *   <li>{@code im.topic-names.<kind>} and {@code im.topic-names.<kind>-dlq}: each topic's full name (prefix
 *       applied), for the bindings' {@code destination} in {@code application.yml} to refer to;</li>
 *   <li>where {@code im.streams.application-id} is set (the Streams apps): the binder's application id (with the
 *       topic prefix) for every function, and its Streams configuration from {@link ImStreamsProperties};</li>
 *   <li>static group membership and the session timeout ({@link MembershipProperties});</li>
 *   <li>the validation limits in the Streams configuration, so that the global tables' {@link ValidatingSerde}s
 *       check what the rest of the app checks.</li>
 * </ul>
 * Added last (lowest precedence): a raw binder key set anywhere else still wins.
 */
public class ImStreamsEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    static final String SOURCE_NAME = "imStreamsWiring";
    public static final String TOPIC_NAMES = "im.topic-names.";
    private static final String BINDER = "spring.cloud.stream.kafka.streams.binder.";
    private static final String STREAMS_CONFIG = BINDER + "configuration.";

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.getPropertySources().contains(SOURCE_NAME)) {
            return;
        }
        Binder binder = ContractProperties.binder(environment);
        ImTopicsProperties topics = binder.bindOrCreate("im.topics", Bindable.of(ImTopicsProperties.class));
        Map<String, Object> wiring = new LinkedHashMap<>();
        for (TopicKind kind : TopicKind.values()) {
            wiring.put(TOPIC_NAMES + kind.key(), topics.name(kind));
            wiring.put(TOPIC_NAMES + kind.key() + "-dlq", topics.dlqTopic(kind));
        }
        if (environment.containsProperty(ImStreamsProperties.PREFIX + ".application-id")) {
            ImStreamsProperties streams = binder.bindOrCreate(ImStreamsProperties.PREFIX,
                    Bindable.of(ImStreamsProperties.class));
            streamsConfiguration(environment, topics, streams, wiring);
            MembershipProperties membership = binder.bindOrCreate(MembershipProperties.PREFIX,
                    Bindable.of(MembershipProperties.class));
            InstanceProperties instance = binder.bindOrCreate("im", Bindable.of(InstanceProperties.class));
            // Kafka Streams appends the thread index to group.instance.id and keeps it off its restore and
            // global consumers.
            Membership.consumerProperties(membership, environment.getProperty("spring.application.name",
                    streams.applicationId()), instance.instanceId())
                    .forEach((key, value) -> wiring.put(STREAMS_CONFIG + key, value));
            // Probes: ready while the streams run, live until they died for good (then the orchestrator restarts).
            wiring.put("management.endpoint.health.group.readiness.include", "readinessState,streams");
            wiring.put("management.endpoint.health.group.liveness.include", "livenessState,streamsLiveness");
            ValidationLimits limits = binder.bindOrCreate("im.validation", Bindable.of(ValidationLimits.class));
            ValidatingSerde.configurationOf(limits).forEach((key, value) -> wiring.put(STREAMS_CONFIG + key, value));
        }
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE_NAME, wiring));
    }

    private static void streamsConfiguration(ConfigurableEnvironment environment, ImTopicsProperties topics,
                                             ImStreamsProperties streams, Map<String, Object> wiring) {
        String functions = environment.getProperty("spring.cloud.function.definition", "");
        for (String function : functions.split("[;|,]")) {
            if (!function.isBlank()) {
                wiring.put(BINDER + "functions." + function.trim() + ".application-id",
                        topics.prefix() + streams.applicationId());
            }
        }
        String stateDir = streams.stateDir() != null && !streams.stateDir().isBlank() ? streams.stateDir()
                : System.getProperty("java.io.tmpdir") + "/" + environment.getProperty("spring.application.name",
                streams.applicationId());
        wiring.put(STREAMS_CONFIG + "commit.interval.ms", streams.commitInterval().toMillis());
        wiring.put(STREAMS_CONFIG + "state.dir", stateDir);
        // server.port resolved when the binder binds its configuration (0 in tests: the port actually taken).
        wiring.put(STREAMS_CONFIG + "application.server", streams.advertisedHost() + ":${server.port}");
        wiring.put(STREAMS_CONFIG + "num.stream.threads", streams.streamThreads());
        wiring.put(STREAMS_CONFIG + "num.standby.replicas", streams.standbyReplicas());
        wiring.put(STREAMS_CONFIG + "producer.retry.backoff.ms", streams.producerRetryBackoff().toMillis());
        wiring.put(STREAMS_CONFIG + "restore.consumer.fetch.max.wait.ms", streams.restoreFetchMaxWait().toMillis());
        wiring.put(STREAMS_CONFIG + "global.consumer.fetch.max.wait.ms", streams.restoreFetchMaxWait().toMillis());
        wiring.put(STREAMS_CONFIG + "rocksdb.config.setter", BoundedMemoryRocksDBConfig.class.getName());
        wiring.put(STREAMS_CONFIG + BoundedMemoryRocksDBConfig.TOTAL_OFF_HEAP_BYTES, streams.rocksdbOffHeapBytes());
        // Internal topics (repartition, changelog) are created by Kafka Streams with the broker's default limit
        // (1 MiB): they carry what the outside topics carry, so they get the same room (topics that exist already
        // keep their setting: alter them once with kafka-configs).
        wiring.put(STREAMS_CONFIG + "topic.max.message.bytes", topics.maxMessageBytes());
    }
}
