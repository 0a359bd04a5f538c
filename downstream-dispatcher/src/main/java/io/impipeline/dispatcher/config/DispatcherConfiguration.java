package io.impipeline.dispatcher.config;

import io.impipeline.model.tasks.TasksProperties;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;

import io.impipeline.dispatcher.gateway.GatewayTopicProvisioner;
import io.impipeline.dispatcher.gateway.GatewaysStore;
import io.impipeline.dispatcher.presence.PresencePartitions;
import io.impipeline.dispatcher.presence.PresenceStore;
import io.impipeline.dispatcher.presence.UserPresence;
import io.impipeline.dispatcher.settings.DispatcherProperties;
import io.impipeline.dispatcher.topology.DispatchMetrics;
import io.impipeline.dispatcher.topology.DispatchTopology;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.platform.messagetrace.TraceSwitch;
import io.impipeline.platform.messagetrace.TraceWritingController;
import io.impipeline.platform.tracing.StreamTracing;
import io.impipeline.model.wire.GatewayHeartbeat;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.StoreBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.cloud.stream.binder.kafka.streams.InteractiveQueryService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.core.KafkaAdmin;

/** The dispatcher's beans: the Kafka Streams function, its presence store, gateway topic provisioning, metrics. */
@Configuration(proxyBeanMethods = false)
// GET|PUT /api/v1/trace-writing: pause and resume this app's trace events at run time.
@Import(TraceWritingController.class)
public class DispatcherConfiguration {

    private static final Logger log = LoggerFactory.getLogger(DispatcherConfiguration.class);

    /** The Streams producer's limit (shared-platform sets it; Kafka's default 1 MiB otherwise). */
    static final String MAX_REQUEST_SIZE =
            "spring.cloud.stream.kafka.streams.binder.configuration.producer.max.request.size";

    /** Added to the topology by the binder (it adds every {@link StoreBuilder} bean). */
    @Bean
    StoreBuilder<KeyValueStore<String, UserPresence>> presenceStore() {
        return PresenceStore.builder();
    }

    @Bean
    DispatchMetrics dispatchMetrics(MeterRegistry registry) {
        return new DispatchMetrics(registry);
    }

    @Bean
    GatewayTopicProvisioner gatewayTopicProvisioner(KafkaAdmin kafkaAdmin, ImTopicsProperties topics,
                                                    DispatcherProperties properties, Clock clock,
                                                    InteractiveQueryService queries,
                                                    ObjectProvider<DispatchTopology> topology,
                                                    WireValidator validator, DispatchMetrics metrics) {
        return new GatewayTopicProvisioner(Admin.create(kafkaAdmin.getConfigurationProperties()), topics, properties,
                clock, () -> gatewayTable(queries, topology.getObject(), validator, metrics), metrics.registry());
    }

    /** The scanner's read of the whole table, which also says how many entries cannot be read now. */
    private static List<GatewayHeartbeat> gatewayTable(InteractiveQueryService queries, DispatchTopology topology,
                                                       WireValidator validator, DispatchMetrics metrics) {
        GatewaysStore.Listing listing = new GatewaysStore(queries.getQueryableStore(topology.gatewaysStoreName(),
                QueryableStoreTypes.keyValueStore()), validator, metrics.unreadableHeartbeats()).all();
        metrics.unreadableHeartbeats().inTable(listing.unreadable().size());
        return listing.heartbeats();
    }

    @Bean
    PresencePartitions presencePartitions(KafkaAdmin kafkaAdmin, ImTopicsProperties topics) {
        return new PresencePartitions(kafkaAdmin, topics.name(TopicKind.PRESENCE));
    }

    @Bean
    DispatchTopology dispatchTopology(ImTopicsProperties topics, DispatcherProperties properties,
                                      TasksProperties tasks, WireValidator validator,
                                      GatewayTopicProvisioner gatewayTopics, PresencePartitions presencePartitions,
                                      DispatchMetrics metrics, ObjectProvider<StreamTracing> tracing,
                                      @Value("${" + MAX_REQUEST_SIZE + ":1048576}") int maxRequestSize,
                                      TraceSwitch trace) {
        StreamTracing streamTracing = tracing.getIfAvailable();
        log.info("dispatcher topology gatewayTimeout={} topicReadyTimeout={} maxDeliveryBytes={} "
                + "producerMaxRequestSize={} taskKeys={} tracing={} messageTrace={}", properties.gatewayTimeout(),
                properties.topicReadyTimeout(),
                properties.maxDeliveryBytes() != null ? properties.maxDeliveryBytes() : "topics' limit less framing",
                maxRequestSize, tasks.keyStrategy(),
                streamTracing == null ? "off (no tracer)" : "on", trace.enabled() ? "on" : "off (im.trace.enabled)");
        return new DispatchTopology(topics, properties, tasks.keyStrategy(), validator, gatewayTopics,
                presencePartitions, metrics, streamTracing, maxRequestSize, trace);
    }

    /**
     * The binder's function: {@code dispatch-in-0} routed records, {@code dispatch-in-1} presence events,
     * {@code dispatch-in-2} the gateway table (bytes: decoded on every read by {@code GatewaysStore}). Its result,
     * the {@code offline_push} tasks and the trace events, are the output bindings {@code dispatch-out-0}
     * (im-task-topic) and {@code dispatch-out-1} (im-trace-topic), {@code DispatchOutputs}; downstream records (a
     * topic per gateway) and dead letters are written inside the topology.
     */
    @Bean
    Function<KStream<String, byte[]>, Function<KStream<String, byte[]>, Function<GlobalKTable<String, byte[]>,
            KStream<String, byte[]>[]>>> dispatch(DispatchTopology topology) {
        return routed -> presence -> gateways -> topology.build(routed, presence, gateways);
    }
}
