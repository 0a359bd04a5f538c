package io.impipeline.router.topology;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.BranchedKStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * The router's fixed outputs. The {@code route} function returns one stream per {@link Destination}, in its order,
 * and the binder writes element {@code i} to the output binding {@code route-out-i}; {@code application.yml} gives
 * each binding its destination ({@code im.topic-names.*}), String keys, {@link OutputSerde} values, its sink's name,
 * and {@code route-out-0} the partitioner bean {@value #ROUTED_PARTITIONER} ({@link #routedPartitioner()}). A Streams
 * app's output bindings are sinks of its topology: they are written in the same exactly-once transaction as the
 * state stores, their changelogs and the dead letters.
 *
 * <p>{@link #attach} adds the same sinks for a topology built without the binder (TopologyTestDriver tests,
 * benchmarks), so that those tests check the wiring the bindings make; {@code RouterBindingsTest} holds
 * {@code application.yml} to what is declared here.
 *
 * <p>Dead letters are not among these outputs: every step sends its own to {@code im-upstream-topic-dlq} from a
 * branch inside the topology, where it diverts them ({@code RouterTopology.divert}). Trace events are among them: each
 * step's events are split off where it diverts its dead letters and leave through {@link Destination#ADMISSION_TRACE}
 * or {@link Destination#ROUTE_TRACE}, both im-trace-topic (why two: {@link #split}).
 */
public final class RouterOutputs {

    /** The bean name of the routed binding's partitioner ({@code stream-partitioner-bean-name} of route-out-0). */
    public static final String ROUTED_PARTITIONER = "routedPartitioner";

    private static final String SPLIT = "output-";

    private RouterOutputs() {
    }

    /** Where an output goes. The ordinal is its place in the function's result: binding {@code route-out-<ordinal>}. */
    public enum Destination {
        /** {@code route-out-0}: im-routed-topic; a group batch goes to the partition it names, the rest by key. */
        ROUTED(TopicKind.ROUTED, "routed", true),
        /** {@code route-out-1}: im-task-topic, by key. */
        TASK(TopicKind.TASK, "task", false),
        /**
         * {@code route-out-2}: im-trace-topic, by key (message_id): the trace events of the steps before sequencing
         * ({@code accepted}, {@code duplicate}, {@code masked}, {@code filtered}, {@code held}, {@code released}).
         * Not a branch of the route step's result: a stream of their own sub-topology, see {@link #split}.
         */
        ADMISSION_TRACE(TopicKind.TRACE, "admission-trace", false),
        /** {@code route-out-3}: im-trace-topic, by key (message_id): the {@code routed} trace events. */
        ROUTE_TRACE(TopicKind.TRACE, "route-trace", false);

        private final TopicKind kind;
        private final String label;
        private final boolean ownPartitions;

        Destination(TopicKind kind, String label, boolean ownPartitions) {
            this.kind = kind;
            this.label = label;
            this.ownPartitions = ownPartitions;
        }

        /** The topic's kind: its name comes from {@code im.topics}. */
        public TopicKind kind() {
            return kind;
        }

        /** The output binding: {@code route-out-<ordinal>}. */
        public String binding() {
            return "route-out-" + ordinal();
        }

        /** The sink's name in the topology ({@code produced-as} of the binding). */
        public String sink() {
            return label + "-sink";
        }

        /** Whether the binding has {@link #routedPartitioner()} (records may name their partition). */
        public boolean ownPartitions() {
            return ownPartitions;
        }
    }

    /**
     * One stream per destination, in binding order: what the {@code route} function returns. The route step's
     * outputs are split by destination; the admission trace events come as a stream of their own. Trace events are
     * made on both sides of the {@code by-conversation} repartition, that is in two sub-topologies, and one stream
     * (one binding) cannot come from both without merging them into one sub-topology (tasks reading the upstream topic
     * and the repartition topic together): hence two bindings to im-trace-topic, one per sub-topology.
     *
     * @param route           the route step's outputs: routed records, tasks, {@code routed} trace events
     * @param admissionTraces the trace events of dedup, the content filter and the schedule (a stream that never
     *                        carries a record when trace is off)
     */
    @SuppressWarnings("unchecked")
    static KStream<String, Output>[] split(KStream<String, Output> route, KStream<String, Output> admissionTraces) {
        BranchedKStream<String, Output> branches = route.split(Named.as(SPLIT));
        for (Destination destination : Destination.values()) {
            if (destination == Destination.ADMISSION_TRACE) {
                continue;
            }
            branches = branches.branch((key, output) -> output.destination() == destination,
                    Branched.as(destination.label));
        }
        // Every output has a destination (Output's constructor checks it), so no default branch is needed.
        Map<String, KStream<String, Output>> byName = branches.noDefaultBranch();
        KStream<String, Output>[] result = new KStream[Destination.values().length];
        for (Destination destination : Destination.values()) {
            result[destination.ordinal()] = byName.get(SPLIT + destination.label);
        }
        result[Destination.ADMISSION_TRACE.ordinal()] = admissionTraces;
        return result;
    }

    /**
     * The routed binding's partitioner: an output's own partition when it names one (group batches), otherwise
     * empty, which makes Kafka Streams leave the choice to the producer's default partitioner (murmur2 of the key),
     * as without a partitioner.
     */
    public static StreamPartitioner<String, Output> routedPartitioner() {
        return (topic, key, output, numPartitions) ->
                output.partition() == null ? Optional.empty() : Optional.of(Set.of(output.partition()));
    }

    /**
     * Adds the sinks the output bindings add, for a topology built without the binder: each destination's stream to
     * its topic, keys as Strings, values by {@link OutputSerde}, the routed one through {@link #routedPartitioner()}.
     */
    public static void attach(KStream<String, Output>[] outputs, ImTopicsProperties topics) {
        if (outputs.length != Destination.values().length) {
            throw new IllegalArgumentException("expected " + Destination.values().length + " outputs, got "
                    + outputs.length);
        }
        for (Destination destination : Destination.values()) {
            Produced<String, Output> produced = Produced.with(Serdes.String(), new OutputSerde())
                    .withName(destination.sink());
            if (destination.ownPartitions()) {
                produced = produced.withStreamPartitioner(routedPartitioner());
            }
            outputs[destination.ordinal()].to(topics.name(destination.kind()), produced);
        }
    }
}
