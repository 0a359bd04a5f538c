package io.impipeline.dispatcher.config;


import io.impipeline.dispatcher.topology.DispatchOutputs;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;
import io.impipeline.testkit.BindingsYml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The output bindings in {@code application.yml} are what {@link DispatchOutputs} declares and what the
 * TopologyTestDriver tests attach with {@link DispatchOutputs#attach}: the offline pushes to im-task-topic and the
 * trace events to im-trace-topic (names from {@code im.topic-names}), String keys, bytes, the sinks' names; and they
 * are the only ones.
 */
class DispatcherBindingsTest {

    private final BindingsYml yml = BindingsYml.load();

    @Test
    void offlinePushesAreTheOutputBindingWiredAsDispatchOutputsAttachesIt() {
        assertWired(DispatchOutputs.TASKS_BINDING, "${im.topic-names.task}", DispatchOutputs.TASKS_SINK);
    }

    @Test
    void traceEventsAreTheSecondOutputBindingToTheTraceTopicWhichTheDispatcherProvisions() {
        assertWired(DispatchOutputs.TRACE_BINDING, "${im.topic-names.trace}", DispatchOutputs.TRACE_SINK);
        assertThat(yml.provisioned()).contains("trace");
    }

    @Test
    void thereIsNoOtherOutputBinding() {
        assertThat(yml.bindings("dispatch-out-"))
                .containsOnly(DispatchOutputs.TASKS_BINDING, DispatchOutputs.TRACE_BINDING);
    }

    private void assertWired(String binding, String destination, String sink) {
        assertThat(yml.destination(binding)).isEqualTo(destination);
        assertThat(yml.producer(binding, "key-serde")).isEqualTo(Serdes.StringSerde.class.getName());
        assertThat(yml.producer(binding, "value-serde")).isEqualTo(Serdes.ByteArraySerde.class.getName());
        assertThat(yml.producer(binding, "produced-as")).isEqualTo(sink);
    }
}
