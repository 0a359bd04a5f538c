package io.impipeline.dispatcher.topology;

import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The dispatcher's fixed output: the {@code dispatch} function returns the {@code offline_push} tasks (String keys,
 * the task's JSON as bytes), and the binder writes them to the output binding {@value #TASKS_BINDING}
 * ({@code application.yml}: destination {@code im.topic-names.task}, String and byte-array serdes, sink
 * {@value #TASKS_SINK}). A Streams app's output bindings are sinks of its topology, so the tasks are written in the
 * same exactly-once transaction as the downstream records, the dead letters and the presence store.
 *
 * <p>{@link #attach} adds the same sink for a topology built without the binder (TopologyTestDriver tests,
 * benchmarks), so that those tests check the wiring the binding makes; {@code DispatcherBindingsTest} holds
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

    private DispatchOutputs() {
    }

    /** Adds the sink the output binding adds, for a topology built without the binder. */
    public static void attach(KStream<String, byte[]> tasks, ImTopicsProperties topics) {
        tasks.to(topics.name(TopicKind.TASK), Produced.with(Serdes.String(), Serdes.ByteArray()).withName(TASKS_SINK));
    }
}
