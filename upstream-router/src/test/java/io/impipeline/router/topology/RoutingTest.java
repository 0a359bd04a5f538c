package io.impipeline.router.topology;

import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.IntStream;

import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.Task;
import io.impipeline.model.wire.TaskType;
import io.impipeline.router.config.RouterProperties;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.router.metrics.RouterMetrics.Outcome;
import io.impipeline.testkit.Messages;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.impipeline.router.topology.RouterDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

class RoutingTest {

    @TempDir
    Path stateDir;

    @Test
    void singleChatGoesToTheRecipientAndASyncCopyToTheSender() {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.send(Messages.text("m1", "alice", "bob", "conv_ab", T0.toEpochMilli()));

            List<KeyValue<String, RoutedMessage>> routed = router.routed();
            assertThat(routed).extracting(kv -> kv.key + ":" + kv.value.recipientId() + ":" + kv.value.sync())
                    .containsExactly("bob:bob:false", "alice:alice:true");
            assertThat(routed.get(0).value.routedAt()).isEqualTo(T0.toEpochMilli());
            List<KeyValue<String, Task>> tasks = router.tasks();
            assertThat(tasks).hasSize(1);
            assertThat(tasks.get(0).key).isEqualTo("persist_message");
            assertThat(tasks.get(0).value.taskId()).isEqualTo("persist:m1");
            assertThat(router.metrics.value(Outcome.ROUTED)).isEqualTo(1);
        }
    }

    @Test
    void senderSyncCanBeTurnedOff() {
        RouterProperties d = RouterProperties.defaults();
        RouterProperties noSync = new RouterProperties(d.dedupWindow(), d.scheduleTick(), d.scheduleReleaseMax(),
                d.smallGroupMax(), d.fanoutBatchSize(), false, d.maxIngressBatch(), d.ingressTimeout(), d.filter());
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
    void smallGroupIsRoutedToEveryMemberButTheSender() {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.group("g1", List.of("alice", "bob", "carol"));
            router.send(Messages.groupText("m1", "alice", "g1", T0.toEpochMilli()));

            assertThat(router.routed()).extracting(kv -> kv.key).containsExactly("bob", "carol");
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
            assertThat(fanout.groupFanoutPayload().groupId()).isEqualTo("big");
            assertThat(fanout.groupFanoutPayload().excludeUserIds()).containsExactly("user_0");
            assertThat(fanout.groupFanoutPayload().message().seq()).isEqualTo(1);
            assertThat(router.metrics.value(Outcome.FANOUT_TASK)).isEqualTo(1);
        }
    }

    @Test
    void groupOfExactlySmallGroupMaxIsStillExpandedByTheRouter() {
        try (RouterDriver router = new RouterDriver(stateDir, RouterProperties.defaults().withSmallGroupMax(3))) {
            router.group("g3", List.of("a", "b", "c"));
            router.send(Messages.groupText("m1", "a", "g3", T0.toEpochMilli()));

            assertThat(router.routed()).extracting(kv -> kv.key).containsExactly("b", "c");
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
            assertThat(router.tasks()).extracting(kv -> kv.value.persistPayload().seq()).containsExactly(1L);
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
}
