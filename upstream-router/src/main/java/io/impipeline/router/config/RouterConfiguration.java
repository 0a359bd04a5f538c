package io.impipeline.router.config;

import io.impipeline.model.tasks.TasksProperties;
import java.time.Clock;
import java.util.function.BiFunction;

import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.platform.messagetrace.TraceSwitch;
import io.impipeline.platform.messagetrace.TraceWritingController;
import io.impipeline.platform.tracing.StreamTracing;
import io.impipeline.router.filter.ContentFilter;
import io.impipeline.router.metrics.RouterMetrics;
import io.impipeline.router.settings.RouterProperties;
import io.impipeline.platform.kafka.RecordSizeGuard;
import io.impipeline.router.topology.Output;
import io.impipeline.router.topology.RouterOutputs;
import io.impipeline.router.topology.RouterTopology;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * The topology as a Spring Cloud Stream function ({@code route}), its inputs and outputs bound in
 * {@code application.yml}.
 */
@Configuration(proxyBeanMethods = false)
// GET|PUT /api/v1/trace-writing: pause and resume this app's trace events at run time.
@Import(TraceWritingController.class)
public class RouterConfiguration {

    private static final Logger log = LoggerFactory.getLogger(RouterConfiguration.class);

    @Bean
    ContentFilter contentFilter(RouterProperties properties) {
        return ContentFilter.from(properties.filter());
    }

    @Bean
    RouterMetrics routerMetrics(MeterRegistry registry) {
        return new RouterMetrics(registry);
    }

    /** The largest record the router writes: see {@link DerivedRecordLimit}. */
    @Bean
    RecordSizeGuard recordSizeGuard(RouterProperties properties, Environment environment) {
        return DerivedRecordLimit.resolve(properties, environment);
    }

    @Bean
    RouterTopology routerTopology(RouterProperties properties, TasksProperties tasks, ImTopicsProperties topics,
                                  WireValidator validator, ContentFilter filter, RouterMetrics metrics,
                                  ObjectProvider<StreamTracing> tracing, Clock clock, RecordSizeGuard sizeGuard,
                                  TraceSwitch trace) {
        StreamTracing streamTracing = tracing.getIfAvailable();
        log.info("router topology: trace propagation {}, message trace {}, filter mode {}, task keys {}",
                streamTracing == null ? "off (no tracer)" : "on", trace.enabled() ? "on" : "off (im.trace.enabled)",
                properties.filter().mode(), tasks.keyStrategy());
        return new RouterTopology(properties, tasks.keyStrategy(), topics, validator, filter, metrics,
                streamTracing, clock, sizeGuard, trace);
    }

    /**
     * Fails start-up when im-routed-topic's or im-upstream-topic's real partition count is not the configured one
     * (group batches, the by-sender repartition).
     */
    @Bean
    PartitionCountsCheck partitionCountsCheck(KafkaAdmin kafkaAdmin, ImTopicsProperties topics) {
        return new PartitionCountsCheck(kafkaAdmin, topics);
    }

    /**
     * Inputs: {@code route-in-0} = im-upstream-topic (raw bytes), {@code route-in-1} = im-group-topic (global, raw
     * bytes too: decoded on every read, see {@code GroupReader}). Outputs, in the order of {@link RouterOutputs}:
     * {@code route-out-0} = im-routed-topic (through {@link #routedPartitioner()}), {@code route-out-1} =
     * im-task-topic, {@code route-out-2} and {@code route-out-3} = im-trace-topic (trace events before and after the
     * by-conversation repartition). Dead letters are written inside the topology.
     */
    @Bean
    public BiFunction<KStream<String, byte[]>, GlobalKTable<String, byte[]>, KStream<String, Output>[]> route(
            RouterTopology topology) {
        return topology::build;
    }

    /** The partitioner of {@code route-out-0}: group batches to the partition they name, the rest by key. */
    @Bean(RouterOutputs.ROUTED_PARTITIONER)
    StreamPartitioner<String, Output> routedPartitioner() {
        return RouterOutputs.routedPartitioner();
    }
}
