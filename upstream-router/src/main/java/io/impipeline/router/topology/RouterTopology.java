package io.impipeline.router.topology;

import io.impipeline.platform.kafka.RecordSizeGuard;
import io.impipeline.platform.dlq.DeadLetterFit;
import io.impipeline.platform.dlq.DeadLetterFitProcessor;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.impipeline.model.codec.WireSerde;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.platform.dlq.DeadLetterProcessor;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.platform.messagetrace.TraceSwitch;
import io.impipeline.platform.tracing.StreamTracing;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.router.filter.ContentFilter;
import io.impipeline.router.metrics.RouterMetrics;
import io.impipeline.router.settings.RouterProperties;
import io.impipeline.router.topology.RouterOutputs.Destination;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;

/**
 * The router's data flow (ARCHITECTURE §4): validate and admit, de-duplicate, filter, hold scheduled, re-key by
 * conversation, resolve group members, sequence and route. Each step hands on a {@link Step}; dead letters leave at
 * the step that made them, through {@link DeadLetterProcessor} and {@link DeadLetterFit}, to the DLQ topic with
 * {@code to(...)}. Routed records and tasks are the flow's result, one stream per {@link RouterOutputs.Destination},
 * which the binder writes to the output bindings: sinks of the same topology, so everything is written in one
 * exactly-once transaction. Every record the router writes is measured against {@link RecordSizeGuard} before it is
 * forwarded (trace events excepted: ids and numbers, a few hundred bytes at most). Trace events ({@link Step#trace()},
 * issue 15) are split off at each step like its dead letters and leave through the third output, {@code route-out-2}.
 */
public final class RouterTopology {

    /** {@code im_dlt-stage} of this app's dead letters. */
    public static final String STAGE = "upstream-router";
    public static final String DEDUP_STORE = DedupProcessor.STORE;
    public static final String SEQUENCE_STORE = SequenceProcessor.STORE;
    public static final String SCHEDULED_STORE = ScheduleProcessor.STORE;

    private final RouterProperties properties;
    private final TaskKeyStrategy taskKeys;
    private final ImTopicsProperties topics;
    private final WireValidator validator;
    private final ContentFilter filter;
    private final RouterMetrics metrics;
    private final StreamTracing tracing;
    private final Clock clock;
    private final RecordSizeGuard sizeGuard;
    private final GroupReader groupReader;
    private final RouterTraces traces;
    private final WireSerde<UpstreamMessage> messageSerde = WireSerde.of(UpstreamMessage.class);

    /**
     * @param tracing   null to leave trace headers alone (tests without a tracer)
     * @param sizeGuard the largest record the router may write ({@code DerivedRecordLimit})
     * @param trace     {@code im.trace.enabled} (off, the topology has no trace branches and writes nothing there)
     *                  and whether the branches are written to now (paused at run time: nothing)
     */
    public RouterTopology(RouterProperties properties, TaskKeyStrategy taskKeys, ImTopicsProperties topics,
                          WireValidator validator, ContentFilter filter, RouterMetrics metrics, StreamTracing tracing,
                          Clock clock, RecordSizeGuard sizeGuard, TraceSwitch trace) {
        this.properties = properties;
        this.taskKeys = taskKeys;
        this.topics = topics;
        this.validator = validator;
        this.filter = filter;
        this.metrics = metrics;
        this.tracing = tracing;
        this.clock = clock;
        this.sizeGuard = sizeGuard;
        this.groupReader = new GroupReader(validator, metrics);
        this.traces = RouterTraces.of(trace);
    }

    /**
     * The whole flow, from the upstream stream and the group table to the outputs. The group table holds the bytes
     * of each group's latest record; every read decodes them ({@link GroupReader}).
     *
     * <p>Trace events (issue 15) are split off at each step that makes them, where its dead letters are
     * ({@link #divert}): {@code accepted} and {@code duplicate} (dedup), {@code masked} / {@code filtered} (filter),
     * {@code held} / {@code released} (schedule) are merged into the third output, {@code routed} (route) goes with
     * the route step's outputs into the fourth (why two: {@link RouterOutputs#split}).
     *
     * @return the outputs in binding order ({@link RouterOutputs}): routed records (route-out-0), tasks
     *         (route-out-1), admission trace events (route-out-2), routed trace events (route-out-3). The binder
     *         attaches their sinks; without it, {@link RouterOutputs#attach} does.
     */
    public KStream<String, Output>[] build(KStream<String, byte[]> upstream, GlobalKTable<String, byte[]> groups) {
        TraceStreams admissionTraces = new TraceStreams(Destination.ADMISSION_TRACE);
        TraceStreams routeTraces = new TraceStreams(Destination.ROUTE_TRACE);
        KStream<String, UpstreamMessage> valid = divert(validate(upstream, groups), "validate", null);
        KStream<String, UpstreamMessage> unique = divert(deduplicate(keyedBySender(valid)), "dedup",
                admissionTraces);
        KStream<String, UpstreamMessage> clean = divert(filterContent(unique), "filter", admissionTraces);
        KStream<String, UpstreamMessage> due = divert(holdScheduled(clean), "schedule", admissionTraces);
        KStream<String, Addressed> addressed = divert(resolveRecipients(byConversation(due), groups), "resolve",
                null);
        KStream<String, Output> outputs = divert(sequenceAndRoute(addressed), "route", routeTraces);
        return RouterOutputs.split(routeTraces.mergeInto(outputs),
                traces.built() ? admissionTraces.mergeInto(null) : noTraces(unique));
    }

    /** The trace streams of the steps of one sub-topology, for one output. */
    private static final class TraceStreams {
        private final Destination destination;
        private final List<KStream<String, Output>> streams = new ArrayList<>();

        TraceStreams(Destination destination) {
            this.destination = destination;
        }

        /** {@code first} (may be null) and these streams as one stream. */
        KStream<String, Output> mergeInto(KStream<String, Output> first) {
            KStream<String, Output> merged = first;
            for (int i = 0; i < streams.size(); i++) {
                merged = merged == null ? streams.get(i)
                        : merged.merge(streams.get(i), Named.as(destination.sink() + "-merge-" + i));
            }
            return merged;
        }
    }

    /**
     * Trace off: route-out-2 still needs a stream of the admission sub-topology; this one never carries a record
     * (one call per message that returns nothing).
     */
    private static KStream<String, Output> noTraces(KStream<String, UpstreamMessage> admitted) {
        return admitted.flatMapValues(message -> List.<Output>of(), Named.as("admission-trace-off"));
    }

    /** Validation and {@link Admission}: the group table is read through its global store, from any task. */
    private KStream<String, Step<UpstreamMessage>> validate(KStream<String, byte[]> upstream,
                                                            GlobalKTable<String, byte[]> groups) {
        String groupStore = groups.queryableStoreName();
        if (groupStore == null) {
            throw new IllegalStateException("the group table must be materialized (materialized-as of route-in-1)");
        }
        return upstream.process(() -> new ValidateProcessor(validator,
                new Admission(sizeGuard, properties.filter(), groupStore, groupReader), metrics, tracing), Named.as("validate"));
    }

    /**
     * Dedup state and its interactive query are partitioned by sender. Gateways key by {@code from_user_id} (the
     * contract), so almost every record goes straight on; a record keyed otherwise (or not at all) is re-keyed
     * through a repartition topic with the upstream topic's partition count, so that both paths agree.
     */
    private KStream<String, UpstreamMessage> keyedBySender(KStream<String, UpstreamMessage> valid) {
        Map<String, KStream<String, UpstreamMessage>> byKey = valid.split(Named.as("sender-key-"))
                .branch((key, message) -> message.fromUserId().equals(key), Branched.as("ok"))
                .defaultBranch(Branched.as("other"));
        KStream<String, UpstreamMessage> other = byKey.get("sender-key-other");
        if (traces.built()) {
            // Its upstream partition and offset, for the accepted event dedup writes after the repartition.
            other = other.processValues(UpstreamPosition::new, Named.as("upstream-position"));
        }
        KStream<String, UpstreamMessage> rekeyed = other
                .selectKey((key, message) -> message.fromUserId(), Named.as("key-by-sender"))
                .repartition(Repartitioned.with(Serdes.String(), messageSerde).withName("by-sender")
                        .withNumberOfPartitions(topics.spec(TopicKind.UPSTREAM).partitions()));
        return byKey.get("sender-key-ok").merge(rekeyed, Named.as("keyed-by-sender"));
    }

    private KStream<String, Step<UpstreamMessage>> deduplicate(KStream<String, UpstreamMessage> messages) {
        return messages.process(DedupProcessor.supplier(properties.dedupWindow(), metrics, traces,
                topics.name(TopicKind.UPSTREAM)), Named.as("dedup"));
    }

    private KStream<String, Step<UpstreamMessage>> filterContent(KStream<String, UpstreamMessage> messages) {
        return messages.processValues(() -> new ContentFilterStep(filter, properties.filter(), metrics, clock,
                traces), Named.as("content-filter"));
    }

    private KStream<String, Step<UpstreamMessage>> holdScheduled(KStream<String, UpstreamMessage> messages) {
        return messages.process(ScheduleProcessor.supplier(properties.scheduleTick(), properties.scheduleReleaseMax(),
                metrics, traces), Named.as("schedule"));
    }

    /** One task owns each conversation from here on: the precondition of gap-free sequencing. */
    private KStream<String, UpstreamMessage> byConversation(KStream<String, UpstreamMessage> messages) {
        return messages.selectKey((key, message) -> message.conversationId(), Named.as("key-by-conversation"))
                .repartition(Repartitioned.with(Serdes.String(), messageSerde).withName("by-conversation"));
    }

    private KStream<String, Step<Addressed>> resolveRecipients(KStream<String, UpstreamMessage> messages,
                                                              GlobalKTable<String, byte[]> groups) {
        return messages.leftJoin(groups, RecipientResolver.groupKey(), new RecipientResolver(metrics, groupReader),
                Named.as("resolve-recipients"));
    }

    /** Seq and outputs in one step, so that a message that cannot be routed takes no seq. */
    private KStream<String, Step<Output>> sequenceAndRoute(KStream<String, Addressed> messages) {
        RouteBuilder routes = new RouteBuilder(properties, taskKeys, topics.spec(TopicKind.ROUTED),
                topics.name(TopicKind.TASK), metrics, clock);
        return messages.process(SequenceProcessor.supplier(routes, sizeGuard, metrics, traces),
                Named.as("sequence-and-route"));
    }

    /**
     * Sends a step's dead letters to the DLQ topic, adds its trace events (as trace outputs, when trace is on) to
     * {@code traced}, and returns the values that go on. A step that only traced (a duplicate, a held message) hands
     * on nothing.
     *
     * @param traced null for a step that makes no trace events (validate, resolve: what they refuse is traced as
     *               {@code dead_lettered} by the dlq-handler)
     */
    @SuppressWarnings("unchecked")
    private <T> KStream<String, T> divert(KStream<String, Step<T>> steps, String step,
                                          TraceStreams traced) {
        String prefix = step + "-";
        if (traces.built() && traced != null) {
            traced.streams.add(steps.process(() -> new TraceRecords<T>(traced.destination),
                    Named.as(prefix + "trace")));
        }
        // Values first (one test for almost every record, as before); a Step.Traced matches neither and ends here.
        Map<String, KStream<String, Step<T>>> branches = steps.split(Named.as(prefix))
                .branch((key, s) -> s instanceof Step.Pass, Branched.as("ok"))
                .branch((key, s) -> s instanceof Step.Dead, Branched.as("dead"))
                .noDefaultBranch();
        branches.get(prefix + "dead")
                .processValues(AcceptedHeader.dropped(), Named.as(prefix + "dead-internal-headers"))
                .mapValues(s -> ((Step.Dead<T>) s).letter(), Named.as(prefix + "dead-letter"))
                .process(DeadLetterProcessor.<String>supplier(STAGE, topics.name(TopicKind.UPSTREAM),
                        metrics.registry()), Named.as(prefix + "dlq-headers"))
                .process(DeadLetterFitProcessor.supplier(new DeadLetterFit(sizeGuard, STAGE, metrics.registry()),
                        topics.dlqTopic(TopicKind.UPSTREAM)), Named.as(prefix + "dlq-fit"))
                .to(topics.dlqTopic(TopicKind.UPSTREAM), Produced.with(Serdes.String(), Serdes.ByteArray())
                        .withName(prefix + "dlq"));
        return branches.get(prefix + "ok").mapValues(s -> ((Step.Pass<T>) s).value(), Named.as(prefix + "pass"));
    }
}
