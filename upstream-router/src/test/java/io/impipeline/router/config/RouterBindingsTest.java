package io.impipeline.router.config;

import java.util.Arrays;

import io.impipeline.router.topology.OutputSerde;
import io.impipeline.router.topology.RouterOutputs;
import io.impipeline.router.topology.RouterOutputs.Destination;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;
import io.impipeline.testkit.BindingsYml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The output bindings in {@code application.yml} are what {@link RouterOutputs} declares and what the
 * TopologyTestDriver tests attach with {@link RouterOutputs#attach}: one binding per destination in the order of the
 * function's result, its topic from {@code im.topic-names}, the serdes, the sink's name and the routed partitioner.
 */
class RouterBindingsTest {

    private final BindingsYml yml = BindingsYml.load();

    @Test
    void everyDestinationIsAnOutputBindingWiredAsRouterOutputsAttachesIt() {
        for (Destination destination : Destination.values()) {
            String binding = destination.binding();
            assertThat(yml.destination(binding)).as(destination.name())
                    .isEqualTo("${im.topic-names." + destination.kind().key() + "}");
            assertThat(yml.producer(binding, "key-serde")).isEqualTo(Serdes.StringSerde.class.getName());
            assertThat(yml.producer(binding, "value-serde")).isEqualTo(OutputSerde.class.getName());
            assertThat(yml.producer(binding, "produced-as")).isEqualTo(destination.sink());
            assertThat(yml.producer(binding, "stream-partitioner-bean-name")).as(destination.name())
                    .isEqualTo(destination.ownPartitions() ? RouterOutputs.ROUTED_PARTITIONER : null);
        }
    }

    @Test
    void thereIsNoOtherOutputBinding() {
        assertThat(yml.bindings("route-out-"))
                .containsOnly(Arrays.stream(Destination.values()).map(Destination::binding).toArray(String[]::new));
    }

    @Test
    void bothTraceOutputsWriteTheTraceTopicWhichTheRouterProvisions() {
        assertThat(yml.destination(Destination.ADMISSION_TRACE.binding())).isEqualTo("${im.topic-names.trace}");
        assertThat(yml.destination(Destination.ROUTE_TRACE.binding())).isEqualTo("${im.topic-names.trace}");
        assertThat(yml.provisioned()).contains("trace");
    }

    @Test
    void theDestinationsAreTheBindingsInTheOrderOfTheFunctionsResult() {
        assertThat(Arrays.stream(Destination.values()).map(Destination::binding))
                .containsExactly("route-out-0", "route-out-1", "route-out-2", "route-out-3");
    }
}
