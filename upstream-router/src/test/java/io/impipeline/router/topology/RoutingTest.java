package io.impipeline.router.topology;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.Tasks;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.wire.RecipientPartitions;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.Task;
import io.impipeline.model.wire.TaskType;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.router.metrics.RouterMetrics.Delivery;
import io.impipeline.router.metrics.RouterMetrics.Outcome;
import io.impipeline.router.settings.RouterProperties;
import io.impipeline.testkit.Messages;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.impipeline.router.topology.RouterDriver.T0;
import static io.impipeline.router.topology.RouterDriver.TOPICS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the router writes per message (contract v2). The partition a group batch is written to is not visible
 * through {@code TopologyTestDriver} ({@code TestRecord} has no partition, and the driver reports one partition per
 * topic to the partitioner): {@link GroupBatchPartitionTest} checks the partition each batch names, and
 * {@code RouterHttpIntegrationTest} the partition it lands on in a real broker.
 */
class RoutingTest {

    /** im-routed-topic's configured partition count, the one the batches are computed for (10 by default). */
    private static final int ROUTED_PARTITIONS = TOPICS.spec(TopicKind.ROUTED).partitions();

    @TempDir
    Path stateDir;

    @Test
    void singleChatGoesToTheRecipientAndASyncCopyToTheSender() {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.send(Messages.text("m1", "alice", "bob", "conv_ab", T0.toEpochMilli()));

            List<KeyValue<String, RoutedMessage>> routed = router.routed();
            assertThat(routed).extracting(kv -> kv.key + ":" + kv.value.recipientId() + ":" + kv.value.sync())
                    .containsExactly("bob:bob:false", "alice:alice:true");
            assertThat(routed).allSatisfy(kv -> assertThat(kv.value.recipientIds()).isNull());
            assertThat(routed.get(0).value.routedAt()).isEqualTo(T0.toEpochMilli());
            List<KeyValue<String, Task>> tasks = router.tasks();
            assertThat(tasks).hasSize(1);
            assertThat(tasks.get(0).key).isEqualTo("persist_message");
            assertThat(tasks.get(0).value.taskId()).isEqualTo("persist:alice:m1");
            assertThat(router.metrics.value(Outcome.ROUTED)).isEqualTo(1);
            assertThat(router.metrics.routedRecords(Delivery.SINGLE)).isEqualTo(1);
            assertThat(router.metrics.routedRecords(Delivery.SYNC)).isEqualTo(1);
            assertThat(router.metrics.routedRecipients(Delivery.SINGLE)).isEqualTo(1);
        }
    }

    @Test
    void senderSyncCanBeTurnedOff() {
        RouterProperties d = RouterProperties.defaults();
        RouterProperties noSync = new RouterProperties(d.dedupWindow(), d.scheduleTick(), d.scheduleReleaseMax(),
                d.smallGroupMax(), d.fanoutBatchSize(), false, d.maxIngressBatch(), d.ingressTimeout(),
                d.maxIngressBytes(), d.maxDerivedRecordBytes(), d.filter());
        try (RouterDriver router = new RouterDriver(stateDir, noSync)) {
            router.send(Messages.text("m1", "alice", "bob", "conv_ab", T0.toEpochMilli()));

            assertThat(router.routed()).extracting(kv -> kv.key).containsExactly("bob");
        }
    }

    @Test
    void entityKeyStrategyKeysPersistTasksByConversation() {
        try (RouterDriver router = new RouterDriver(stateDir, RouterProperties.defaults(), TaskKeyStrategy.ENTITY,
                java.time.Clock.fixed(T0, ZoneOffset.UTC), null)) {
            router.send(Messages.text("m1", "alice", "bob", "conv_ab", T0.toEpochMilli()));

            assertThat(router.tasks()).extracting(kv -> kv.key).containsExactly("conv_ab");
        }
    }

    @Test
    void tenMemberGroupMessageIsOneBatchPerPartitionItsMembersHashTo() {
        List<String> members = IntStream.range(0, 10).mapToObj(i -> "member_" + i).toList();
        List<String> recipients = members.subList(1, members.size());
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.group("g10", members);
            router.send(Messages.groupText("m1", "member_0", "g10", T0.toEpochMilli()));

            List<KeyValue<String, RoutedMessage>> routed = router.routed();
            Set<Integer> partitions = partitionsOf(recipients);
            assertThat(partitions).as("the fixture spreads over several partitions").hasSizeGreaterThan(1);
            assertThat(routed).hasSize(partitions.size());
            assertThat(routed).extracting(kv -> batchPartition(kv.value)).doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(partitions);
            assertThat(routed).allSatisfy(kv -> {
                assertThat(kv.key).isEqualTo("conv_g10");
                assertThat(kv.value.recipientId()).isNull();
                assertThat(kv.value.seq()).isEqualTo(1);
                assertThat(kv.value.sync()).isFalse();
                assertThat(kv.value.routedAt()).isEqualTo(T0.toEpochMilli());
            });
            assertThat(allRecipients(routed)).containsExactlyInAnyOrderElementsOf(recipients);
            assertThat(router.metrics.routedRecords(Delivery.GROUP)).isEqualTo(partitions.size());
            assertThat(router.metrics.routedRecipients(Delivery.GROUP)).isEqualTo(recipients.size());
        }
    }

    @Test
    void groupBatchOnTheWireHasRecipientIdsAndNoRecipientId() {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.group("g1", List.of("alice", "bob"));
            router.send(Messages.groupText("m1", "alice", "g1", T0.toEpochMilli()));

            String json = new String(router.routedRecords().get(0).value(), StandardCharsets.UTF_8);
            assertThat(json).contains("\"recipient_ids\":[\"bob\"]").doesNotContain("\"recipient_id\"");
        }
    }

    @Test
    void memberListedTwiceIsListedOnceAndTheSenderNever() {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.group("g1", List.of("alice", "bob", "carol", "bob", "alice"));
            router.send(Messages.groupText("m1", "alice", "g1", T0.toEpochMilli()));

            assertThat(allRecipients(router.routed())).containsExactlyInAnyOrder("bob", "carol");
            assertThat(router.tasks()).extracting(kv -> kv.value.taskType()).containsExactly(TaskType.PERSIST_MESSAGE);
        }
    }

    @Test
    void groupOfTwoHundredIsAtMostOneRecordPerPartitionInsteadOfOnePerMember() {
        int size = RouterProperties.defaults().smallGroupMax();
        List<String> members = IntStream.range(0, size).mapToObj(i -> "user_" + i).toList();
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.group("g200", members);
            router.send(Messages.groupText("m1", "user_0", "g200", T0.toEpochMilli()));

            List<KeyValue<String, RoutedMessage>> routed = router.routed();
            // Contract v1 wrote one record per member but the sender: 199. Now one per partition: 10 here.
            assertThat(routed).hasSize(ROUTED_PARTITIONS);
            assertThat(allRecipients(routed)).hasSize(size - 1).doesNotHaveDuplicates().doesNotContain("user_0");
            assertThat(router.tasks()).extracting(kv -> kv.value.taskType()).containsExactly(TaskType.PERSIST_MESSAGE);
        }
    }

    @Test
    void groupLargerThanSmallGroupMaxBecomesOneFanoutTask() {
        try (RouterDriver router = new RouterDriver(stateDir, RouterProperties.defaults().withSmallGroupMax(3))) {
            router.group("big", IntStream.range(0, 4).mapToObj(i -> "user_" + i).toList());
            router.send(Messages.groupText("m1", "user_0", "big", T0.toEpochMilli()));

            assertThat(router.routed()).isEmpty();
            List<KeyValue<String, Task>> tasks = router.tasks();
            assertThat(tasks).extracting(kv -> kv.value.taskType())
                    .containsExactly(TaskType.PERSIST_MESSAGE, TaskType.GROUP_FANOUT);
            Task fanout = tasks.get(1).value;
            assertThat(tasks.get(1).key).isEqualTo("group_fanout");
            assertThat(fanout.taskId()).isEqualTo("fanout:big:user_0:m1");
            assertThat(Tasks.groupFanoutPayload(fanout).groupId()).isEqualTo("big");
            assertThat(Tasks.groupFanoutPayload(fanout).excludeUserIds()).containsExactly("user_0");
            assertThat(Tasks.groupFanoutPayload(fanout).message().seq()).isEqualTo(1);
            assertThat(router.metrics.value(Outcome.FANOUT_TASK)).isEqualTo(1);
            assertThat(router.metrics.routedRecords(Delivery.GROUP)).isZero();
        }
    }

    @Test
    void groupOfExactlySmallGroupMaxIsStillBatchedByTheRouter() {
        try (RouterDriver router = new RouterDriver(stateDir, RouterProperties.defaults().withSmallGroupMax(3))) {
            router.group("g3", List.of("a", "b", "c"));
            router.send(Messages.groupText("m1", "a", "g3", T0.toEpochMilli()));

            List<KeyValue<String, RoutedMessage>> routed = router.routed();
            assertThat(routed).hasSize(partitionsOf(List.of("b", "c")).size());
            assertThat(routed).allSatisfy(kv -> assertThat(kv.key).isEqualTo("conv_g3"));
            assertThat(allRecipients(routed)).containsExactlyInAnyOrder("b", "c");
            assertThat(router.tasks()).extracting(kv -> kv.value.taskType()).containsExactly(TaskType.PERSIST_MESSAGE);
        }
    }

    @Test
    void unknownGroupGoesToTheDlqWithoutTakingASeq() {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.send(Messages.groupText("m1", "alice", "nobody-knows", T0.toEpochMilli()));
            router.group("g1", List.of("alice", "bob"));
            router.send(new io.impipeline.model.wire.UpstreamMessage("m2", "alice", null, "conv_nobody-knows",
                    "hi", "text", java.util.Map.of(), "gateway_001", null, T0.toEpochMilli(), "1.0", "g1", null));

            assertThat(router.deadLetters()).extracting(RouterDriver::reasonOf).containsExactly("UNKNOWN_GROUP");
            assertThat(router.tasks()).extracting(kv -> Tasks.persistPayload(kv.value).seq()).containsExactly(1L);
        }
    }

    /**
     * Issue 12: UNKNOWN_GROUP used to be decided after dedup had remembered the message, so the dlq-handler's replay
     * (once the group existed) was dropped as a duplicate. It is decided before dedup now.
     */
    @Test
    void unknownGroupMessageReplayedAfterTheGroupAppearsIsRoutedOnce() {
        byte[] original = Messages.bytes(Messages.groupText("m1", "alice", "g_late", T0.toEpochMilli()));
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.sendRaw("alice", original);
            List<TestRecord<String, byte[]>> letters = router.deadLetters();
            assertThat(letters).extracting(RouterDriver::reasonOf).containsExactly("UNKNOWN_GROUP");
            assertThat(letters.get(0).value()).isEqualTo(original);
            assertThat(router.remembers("alice", "m1")).isFalse();

            router.group("g_late", List.of("alice", "bob", "carol"));
            RecordHeaders replay = new RecordHeaders();
            replay.add(ImHeaders.REPLAY_COUNT, "1".getBytes(StandardCharsets.UTF_8));
            router.sendRaw("alice", letters.get(0).value(), replay);
            router.sendRaw("alice", letters.get(0).value(), replay);

            assertThat(router.deadLetters()).isEmpty();
            assertThat(allRecipients(router.routed())).containsExactlyInAnyOrder("bob", "carol");
            assertThat(router.tasks()).extracting(kv -> Tasks.persistPayload(kv.value).seq()).containsExactly(1L);
            assertThat(router.metrics.value(Outcome.DUPLICATE)).isEqualTo(1);
        }
    }

    @Test
    void groupTombstoneMakesTheGroupUnknown() {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.group("g1", List.of("alice", "bob"));
            router.deleteGroup("g1");
            router.send(Messages.groupText("m1", "alice", "g1", T0.toEpochMilli()));

            assertThat(router.deadLetters()).extracting(RouterDriver::reasonOf).containsExactly("UNKNOWN_GROUP");
        }
    }

    private static Set<Integer> partitionsOf(List<String> users) {
        return RecipientPartitions.byPartition(users, ROUTED_PARTITIONS).keySet();
    }

    /** The one partition every recipient of a batch hashes to (fails if they do not agree). */
    private static int batchPartition(RoutedMessage batch) {
        Map<Integer, List<String>> byPartition = RecipientPartitions.byPartition(batch.recipientIds(),
                ROUTED_PARTITIONS);
        assertThat(byPartition).as("recipients of one batch share a partition").hasSize(1);
        return byPartition.keySet().iterator().next();
    }

    private static List<String> allRecipients(List<KeyValue<String, RoutedMessage>> routed) {
        List<String> all = new ArrayList<>();
        routed.forEach(kv -> all.addAll(kv.value.recipientIds()));
        return all;
    }
}
