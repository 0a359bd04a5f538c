package io.impipeline.dispatcher.topology;

import java.util.Map;
import java.util.function.IntSupplier;

import io.impipeline.dispatcher.settings.DispatcherProperties;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.dispatcher.gateway.GatewayTopics;
import io.impipeline.dispatcher.presence.PresenceStore;
import io.impipeline.dispatcher.topology.DispatchMetrics.Outcome;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.codec.WireSerde;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.platform.dlq.DeadLetterFit;
import io.impipeline.platform.dlq.DeadLetterFitProcessor;
import io.impipeline.platform.dlq.DeadLetterProcessor;
import io.impipeline.platform.kafka.RecordSizeGuard;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.platform.messagetrace.TraceSwitch;
import io.impipeline.platform.tracing.StreamTracing;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.TopicNameExtractor;

/**
 * The dispatcher's data flow (ARCHITECTURE §4):
 * <pre>
 * im-presence-topic -> fold into presence store ---------------------------------> (bad: im-presence-topic-dlq)
 * im-gateway-topic  -> global table "gateways", bytes (read by name and decoded in the dispatch step)
 * im-routed-topic   -> dispatch (presence x gateways) -+-> im-downstream-topic-{gateway_id} (one per live gateway:
 *                                                      |     single chat per recipient, group batch with recipients)
 *                                                      +-> im-task-topic (offline_push, up to 500 users each:
 *                                                      |     the first output binding)
 *                                                      +-> im-trace-topic (delivered, push_task: the second output
 *                                                      |     binding; nothing with im.trace.enabled=false)
 *                                                      +-> im-routed-topic-dlq (invalid, misplaced, failed)
 * </pre>
 * The offline pushes and the trace events are the flow's result, which the binder writes to the output bindings
 * ({@link DispatchOutputs}); downstream records (a topic per gateway, {@code TopicNameExtractor}) and dead letters
 * are written with {@code to(...)}. All are sinks of one topology, so they share one exactly-once transaction.
 */
public final class DispatchTopology {

    public static final String STAGE = "downstream-dispatcher";

    private final ImTopicsProperties topics;
    private final DispatchProcessor.Settings settings;
    private final DispatcherProperties properties;
    private final IntSupplier presencePartitions;
    private final int maxRequestSize;
    private final DeadLetterFit deadLetterFit;
    private volatile String gatewaysStoreName;

    /**
     * @param presencePartitions the partition count of the presence topic (= the routed topic's), read when the
     *                           first record is checked: which partition each recipient or presence event's user
     *                           belongs to
     */
    public DispatchTopology(ImTopicsProperties topics, DispatcherProperties properties, TaskKeyStrategy taskKeys,
                            WireValidator validator, GatewayTopics gatewayTopics, IntSupplier presencePartitions,
                            DispatchMetrics metrics, StreamTracing tracing) {
        this(topics, properties, taskKeys, validator, gatewayTopics, presencePartitions, metrics, tracing,
                topics.maxMessageBytes(), TraceSwitch.of(true));
    }

    /**
     * @param maxRequestSize the Streams producer's {@code max.request.size}: dead letters are cut to fit it
     *                       ({@link DeadLetterFit})
     * @param trace          {@code im.trace.enabled} and whether trace events are written to im-trace-topic now
     *                       (off or paused at run time: none is made)
     */
    public DispatchTopology(ImTopicsProperties topics, DispatcherProperties properties, TaskKeyStrategy taskKeys,
                            WireValidator validator, GatewayTopics gatewayTopics, IntSupplier presencePartitions,
                            DispatchMetrics metrics, StreamTracing tracing, int maxRequestSize, TraceSwitch trace) {
        this.maxRequestSize = Math.min(maxRequestSize, topics.maxMessageBytes());
        this.deadLetterFit = new DeadLetterFit(RecordSizeGuard.forMaxRequestSize(this.maxRequestSize), STAGE,
                metrics.registry());
        this.topics = topics;
        this.properties = properties;
        this.presencePartitions = presencePartitions;
        this.settings = new DispatchProcessor.Settings(validator, new RoutedRecordCheck(presencePartitions),
                gatewayTopics, DownstreamEncoder.of(properties, topics),
                new OfflinePushes(properties.push()), taskKeys, properties.gatewayTimeout().toMillis(), metrics,
                tracing, new DispatchTraces(trace, topics, properties.traceSyncCopies()));
    }

    /**
     * Wires the topology onto the three inputs. The presence store ({@link PresenceStore#builder()}) must already be
     * in the builder; the gateway table must be materialized (its store name is read off the table).
     * The table itself is not joined: the dispatch step looks up each device's gateway in its store by name (a
     * recipient may have devices on several gateways, which a stream-table join by one key cannot express). The
     * table holds each gateway's latest record as bytes, decoded on every read ({@code GatewaysStore}).
     *
     * @return the output bindings' streams, in their order ({@link DispatchOutputs}): the {@code offline_push} tasks
     *         (dispatch-out-0) and the trace events (dispatch-out-1, empty when trace is off), both encoded. The
     *         binder attaches their sinks; without it, {@link DispatchOutputs#attach} does.
     */
    @SuppressWarnings("unchecked")
    public KStream<String, byte[]>[] build(KStream<String, byte[]> routed, KStream<String, byte[]> presence,
                                           GlobalKTable<String, byte[]> gateways) {
        if (gateways.queryableStoreName() == null) {
            throw new IllegalStateException("the gateway table must be materialized (binding materialized-as)");
        }
        gatewaysStoreName = gateways.queryableStoreName();
        foldPresence(presence);
        KStream<String, Dispatch> dispatched = dispatch(routed);
        Map<String, KStream<String, Dispatch>> branches = dispatched.split(Named.as("dispatch-"))
                .branch((key, d) -> d instanceof Dispatch.Delivery, Branched.withConsumer(this::deliver, "deliver"))
                .branch((key, d) -> d instanceof Dispatch.OfflinePush, Branched.as("offline"))
                .branch((key, d) -> d instanceof Dispatch.DeadLettered, Branched.withConsumer(this::deadLetterRouted,
                        "dead-letter"))
                // Last: with trace off no record gets here, and the others never test it.
                .branch((key, d) -> d instanceof Dispatch.Traced, Branched.as("trace"))
                .noDefaultBranch();
        KStream<String, byte[]>[] outputs = new KStream[DispatchOutputs.COUNT];
        outputs[DispatchOutputs.TASKS] = offlinePushes(branches.get("dispatch-offline"));
        outputs[DispatchOutputs.TRACE] = traceEvents(branches.get("dispatch-trace"));
        return outputs;
    }

    /** The gateway table's store name, known once the topology is built. */
    public String gatewaysStoreName() {
        if (gatewaysStoreName == null) {
            throw new IllegalStateException("the dispatch topology is not built yet");
        }
        return gatewaysStoreName;
    }

    private void foldPresence(KStream<String, byte[]> presence) {
        presence.process(() -> new PresenceProcessor(settings.validator(), presencePartitions,
                        properties.presenceReorderWindow(),
                        properties.presenceSweepInterval(), settings.metrics()), Named.as("presence-fold"),
                        PresenceStore.NAME)
                .process(DeadLetterProcessor.<String>supplier(STAGE, topics.name(TopicKind.PRESENCE),
                        settings.metrics().registry()), Named.as("presence-dead-letter"))
                .process(DeadLetterFitProcessor.supplier(deadLetterFit, topics.dlqTopic(TopicKind.PRESENCE)),
                        Named.as("presence-dead-letter-fit"))
                .to(topics.dlqTopic(TopicKind.PRESENCE), Produced.with(Serdes.String(), Serdes.ByteArray()));
    }

    private KStream<String, Dispatch> dispatch(KStream<String, byte[]> routed) {
        return routed.process(() -> new DispatchProcessor(settings, gatewaysStoreName), Named.as("dispatch"),
                PresenceStore.NAME);
    }

    private void deliver(KStream<String, Dispatch> deliveries) {
        TopicNameExtractor<String, Dispatch.Delivery> gatewayTopic =
                (key, delivery, context) -> topics.downstreamTopic(delivery.gatewayId());
        deliveries.mapValues(d -> (Dispatch.Delivery) d, Named.as("as-delivery"))
                .to(gatewayTopic, Produced.with(Serdes.String(), new DeliverySerde()));
    }

    /** The tasks as their JSON, what the output binding writes. */
    private KStream<String, byte[]> offlinePushes(KStream<String, Dispatch> pushes) {
        return pushes.mapValues(d -> WireJson.toBytes(((Dispatch.OfflinePush) d).task()), Named.as("as-task"));
    }

    /** The trace events as their JSON ({@code WireSerde.of(TraceEvent.class)}), what the trace binding writes. */
    private static KStream<String, byte[]> traceEvents(KStream<String, Dispatch> traced) {
        Serializer<TraceEvent> json = WireSerde.of(TraceEvent.class).serializer();
        return traced.mapValues(d -> json.serialize(null, ((Dispatch.Traced) d).event()), Named.as("as-trace-event"));
    }

    private void deadLetterRouted(KStream<String, Dispatch> failures) {
        failures.mapValues(d -> ((Dispatch.DeadLettered) d).letter(), Named.as("as-dead-letter"))
                .peek((key, letter) -> settings.metrics().count(Outcome.DEAD_LETTERED, null))
                .process(DeadLetterProcessor.<String>supplier(STAGE, topics.name(TopicKind.ROUTED),
                        settings.metrics().registry()), Named.as("routed-dead-letter"))
                .process(DeadLetterFitProcessor.supplier(deadLetterFit, topics.dlqTopic(TopicKind.ROUTED)),
                        Named.as("routed-dead-letter-fit"))
                .to(topics.dlqTopic(TopicKind.ROUTED), Produced.with(Serdes.String(), Serdes.ByteArray()));
    }
}
