package io.impipeline.router.topology;

import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.topics.TopicSpec;
import io.impipeline.model.wire.RecipientPartitions;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.router.metrics.RouterMetrics;
import io.impipeline.router.settings.RouterProperties;
import io.impipeline.router.topology.RouterOutputs.Destination;
import io.impipeline.testkit.Messages;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.junit.jupiter.api.Test;

import static io.impipeline.router.topology.RouterDriver.T0;
import static io.impipeline.router.topology.RouterDriver.TOPICS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The partition half of group batching, which {@code TopologyTestDriver} cannot show: each batch {@link RouteBuilder}
 * makes names the partition of {@code im-routed-topic} its recipients hash to, and the sink's partitioner
 * ({@link RouterOutputs#routedPartitioner()}) sends it exactly there; everything else is left to partitioning by key.
 */
class GroupBatchPartitionTest {

    private static final TopicSpec ROUTED = TOPICS.spec(TopicKind.ROUTED);
    private static final String TASKS = TOPICS.name(TopicKind.TASK);

    private final StreamPartitioner<String, Output> partitioner = RouterOutputs.routedPartitioner();

    private List<KeyValue<String, Output>> route(List<String> members, String sender) {
        RouteBuilder routes = new RouteBuilder(RouterProperties.defaults(), TaskKeyStrategy.TASK_TYPE, ROUTED, TASKS,
                new RouterMetrics(new SimpleMeterRegistry()), Clock.fixed(T0, ZoneOffset.UTC));
        SequencedMessage message = new SequencedMessage(Messages.groupText("m1", sender, "g1", T0.toEpochMilli()),
                1, T0.toEpochMilli());
        return routes.build(message, members).records();
    }

    private Optional<Set<Integer>> partitionsFor(KeyValue<String, Output> record) {
        return partitioner.partitions(ROUTED.name(), record.key, record.value, ROUTED.partitions());
    }

    @Test
    void eachBatchIsSentToThePartitionItsRecipientsHashTo() {
        List<String> members = IntStream.range(0, 10).mapToObj(i -> "member_" + i).toList();

        List<KeyValue<String, Output>> batches = route(members, "member_0").stream()
                .filter(kv -> kv.value.destination() == Destination.ROUTED).toList();

        assertThat(batches).isNotEmpty();
        for (KeyValue<String, Output> batch : batches) {
            RoutedMessage routed = WireJson.fromBytes(batch.value.value(), RoutedMessage.class);
            assertThat(routed.recipientIds()).isNotEmpty().allSatisfy(user -> assertThat(
                    RecipientPartitions.partitionOf(user, ROUTED.partitions())).isEqualTo(batch.value.partition()));
            assertThat(partitionsFor(batch)).contains(Set.of(batch.value.partition()));
            assertThat(batch.key).isEqualTo("conv_g1");
        }
        assertThat(batches).extracting(kv -> kv.value.partition()).doesNotHaveDuplicates();
    }

    @Test
    void tasksAndSingleChatCopiesArePartitionedByKey() {
        List<KeyValue<String, Output>> tasks = route(List.of("alice", "bob"), "alice").stream()
                .filter(kv -> kv.value.destination() == Destination.TASK).toList();

        assertThat(tasks).isNotEmpty().allSatisfy(kv -> {
            assertThat(kv.value.partition()).isNull();
            assertThat(partitionsFor(kv)).isEmpty();
        });
        Output single = Output.of(Destination.ROUTED, new byte[0]);
        assertThat(partitioner.partitions(ROUTED.name(), "bob", single, ROUTED.partitions())).isEmpty();
    }
}
