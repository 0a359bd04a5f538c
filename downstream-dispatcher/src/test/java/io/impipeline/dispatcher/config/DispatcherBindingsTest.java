package io.impipeline.dispatcher.config;

import java.util.Properties;

import io.impipeline.dispatcher.topology.DispatchOutputs;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The output bindings in {@code application.yml} are what {@link DispatchOutputs} declares and what the
 * TopologyTestDriver tests attach with {@link DispatchOutputs#attach}: the offline pushes to im-task-topic and the
 * trace events to im-trace-topic (names from {@code im.topic-names}), String keys, bytes, the sinks' names; and they
 * are the only ones.
 */
class DispatcherBindingsTest {

    private static final String BINDINGS = "spring.cloud.stream.bindings.";
    private static final String STREAMS_BINDINGS = "spring.cloud.stream.kafka.streams.bindings.";

    private static Properties applicationYml() {
        YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
        yaml.setResources(new ClassPathResource("application.yml"));
        return yaml.getObject();
    }

    @Test
    void offlinePushesAreTheOutputBindingWiredAsDispatchOutputsAttachesIt() {
        Properties yml = applicationYml();
        String producer = STREAMS_BINDINGS + DispatchOutputs.TASKS_BINDING + ".producer.";

        assertThat(yml.getProperty(BINDINGS + DispatchOutputs.TASKS_BINDING + ".destination"))
                .isEqualTo("${im.topic-names.task}");
        assertThat(yml.getProperty(producer + "key-serde")).isEqualTo(Serdes.StringSerde.class.getName());
        assertThat(yml.getProperty(producer + "value-serde")).isEqualTo(Serdes.ByteArraySerde.class.getName());
        assertThat(yml.getProperty(producer + "produced-as")).isEqualTo(DispatchOutputs.TASKS_SINK);
    }

    @Test
    void traceEventsAreTheSecondOutputBindingToTheTraceTopicWhichTheDispatcherProvisions() {
        Properties yml = applicationYml();
        String producer = STREAMS_BINDINGS + DispatchOutputs.TRACE_BINDING + ".producer.";

        assertThat(yml.getProperty(BINDINGS + DispatchOutputs.TRACE_BINDING + ".destination"))
                .isEqualTo("${im.topic-names.trace}");
        assertThat(yml.getProperty(producer + "key-serde")).isEqualTo(Serdes.StringSerde.class.getName());
        assertThat(yml.getProperty(producer + "value-serde")).isEqualTo(Serdes.ByteArraySerde.class.getName());
        assertThat(yml.getProperty(producer + "produced-as")).isEqualTo(DispatchOutputs.TRACE_SINK);
        assertThat(yml.stringPropertyNames()).filteredOn(key -> key.startsWith("im.topics.provision["))
                .extracting(yml::getProperty).contains("trace");
    }

    @Test
    void thereIsNoOtherOutputBinding() {
        Properties yml = applicationYml();

        assertThat(yml.stringPropertyNames()).filteredOn(key -> key.startsWith(BINDINGS + "dispatch-out-")
                        || key.startsWith(STREAMS_BINDINGS + "dispatch-out-"))
                .extracting(key -> key.replaceFirst("^.*\\.bindings\\.(dispatch-out-\\d+)\\..*$", "$1"))
                .containsOnly(DispatchOutputs.TASKS_BINDING, DispatchOutputs.TRACE_BINDING);
    }
}
