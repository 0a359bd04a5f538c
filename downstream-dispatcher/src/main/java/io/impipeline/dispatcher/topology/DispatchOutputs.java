package io.impipeline.dispatcher.topology;

import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The dispatcher's fixed outputs: the {@code dispatch} function returns the {@code offline_push} tasks (String keys,
 * the task's JSON as bytes) and the trace events (key message_id, the {@code TraceEvent} JSON as bytes), and the
 * binder writes them to the output bindings {@value #TASKS_BINDING} and {@value #TRACE_BINDING}
 * ({@code application.yml}: destinations {@code im.topic-names.task} and {@code im.topic-names.trace}, String and
 * byte-array serdes, sinks {@value #TASKS_SINK} and {@value #TRACE_SINK}). A Streams app's output bindings are sinks
 * of its topology, so they are written in the same exactly-once transaction as the downstream records, the dead
 * letters and the presence store.
 *
 * <p>{@link #attach} adds the same sinks for a topology built without the binder (TopologyTestDriver tests,
 * benchmarks), so that those tests check the wiring the bindings make; {@code DispatcherBindingsTest} holds
 * {@code application.yml} to what is declared here.
 *
 * <p>Not among the outputs: the downstream records (a topic per gateway, chosen per record by a
 * {@code TopicNameExtractor}; a binding has one fixed destination) and the dead letters (written by the branches
 * that make them), both with {@code to(...)} inside the topology.
 */
public final class DispatchOutputs {

    /** The output binding of the offline pushes. */
    public static final String TASKS_BINDING = "dispatch-out-0";
    /** The sink's name in the topology ({@code produced-as} of the binding). */
    public static final String TASKS_SINK = "offline-push-sink";
    /** The output binding of the trace events (issue 15). */
    public static final String TRACE_BINDING = "dispatch-out-1";
    /** The trace sink's name in the topology ({@code produced-as} of the binding). */
    public static final String TRACE_SINK = "trace-sink";

    /** The index of each output in the function's result (binding {@code dispatch-out-<index>}), and their count. */
    static final int TASKS = 0;
    static final int TRACE = 1;
    static final int COUNT = 2;

    private DispatchOutputs() {
    }

    /** Adds the sinks the output bindings add, for a topology built without the binder. */
    public static void attach(KStream<String, byte[]>[] outputs, ImTopicsProperties topics) {
        if (outputs.length != COUNT) {
            throw new IllegalArgumentException("expected " + COUNT + " outputs, got " + outputs.length);
        }
        outputs[TASKS].to(topics.name(TopicKind.TASK), Produced.with(Serdes.String(), Serdes.ByteArray())
                .withName(TASKS_SINK));
        outputs[TRACE].to(topics.name(TopicKind.TRACE), Produced.with(Serdes.String(), Serdes.ByteArray())
                .withName(TRACE_SINK));
    }
}
