package io.impipeline.router.config;

import java.util.Arrays;
import java.util.Properties;

import io.impipeline.router.topology.OutputSerde;
import io.impipeline.router.topology.RouterOutputs;
import io.impipeline.router.topology.RouterOutputs.Destination;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The output bindings in {@code application.yml} are what {@link RouterOutputs} declares and what the
 * TopologyTestDriver tests attach with {@link RouterOutputs#attach}: one binding per destination in the order of the
 * function's result, its topic from {@code im.topic-names}, the serdes, the sink's name and the routed partitioner.
 */
class RouterBindingsTest {

    private static final String BINDINGS = "spring.cloud.stream.bindings.";
    private static final String STREAMS_BINDINGS = "spring.cloud.stream.kafka.streams.bindings.";

    private static Properties applicationYml() {
        YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
        yaml.setResources(new ClassPathResource("application.yml"));
        return yaml.getObject();
    }

    @Test
    void everyDestinationIsAnOutputBindingWiredAsRouterOutputsAttachesIt() {
        Properties yml = applicationYml();

        for (Destination destination : Destination.values()) {
            String producer = STREAMS_BINDINGS + destination.binding() + ".producer.";
            assertThat(yml.getProperty(BINDINGS + destination.binding() + ".destination")).as(destination.name())
                    .isEqualTo("${im.topic-names." + destination.kind().key() + "}");
            assertThat(yml.getProperty(producer + "key-serde")).isEqualTo(Serdes.StringSerde.class.getName());
            assertThat(yml.getProperty(producer + "value-serde")).isEqualTo(OutputSerde.class.getName());
            assertThat(yml.getProperty(producer + "produced-as")).isEqualTo(destination.sink());
            assertThat(yml.getProperty(producer + "stream-partitioner-bean-name")).as(destination.name())
                    .isEqualTo(destination.ownPartitions() ? RouterOutputs.ROUTED_PARTITIONER : null);
        }
    }

    @Test
    void thereIsNoOtherOutputBinding() {
        Properties yml = applicationYml();

        assertThat(yml.stringPropertyNames()).filteredOn(key -> key.startsWith(BINDINGS + "route-out-")
                        || key.startsWith(STREAMS_BINDINGS + "route-out-"))
                .extracting(key -> key.replaceFirst("^.*\\.bindings\\.(route-out-\\d+)\\..*$", "$1"))
                .containsOnly(Arrays.stream(Destination.values()).map(Destination::binding).toArray(String[]::new));
    }

    @Test
    void bothTraceOutputsWriteTheTraceTopicWhichTheRouterProvisions() {
        Properties yml = applicationYml();

        assertThat(yml.getProperty(BINDINGS + Destination.ADMISSION_TRACE.binding() + ".destination"))
                .isEqualTo("${im.topic-names.trace}");
        assertThat(yml.getProperty(BINDINGS + Destination.ROUTE_TRACE.binding() + ".destination"))
                .isEqualTo("${im.topic-names.trace}");
        assertThat(yml.stringPropertyNames()).filteredOn(key -> key.startsWith("im.topics.provision["))
                .extracting(yml::getProperty).contains("trace");
    }

    @Test
    void theDestinationsAreTheBindingsInTheOrderOfTheFunctionsResult() {
        assertThat(Arrays.stream(Destination.values()).map(Destination::binding))
                .containsExactly("route-out-0", "route-out-1", "route-out-2", "route-out-3");
    }
}
