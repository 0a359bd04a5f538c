package io.impipeline.dispatcher.topology;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.impipeline.dispatcher.settings.DispatcherProperties;
import io.impipeline.model.codec.Tasks;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.GatewayHeartbeat.Status;
import io.impipeline.model.wire.OfflinePushPayload;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.Task;
import io.impipeline.model.wire.TaskType;
import io.impipeline.model.wire.UpstreamMessage;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import static io.impipeline.dispatcher.topology.DispatchTopologyFixture.routedText;
import static org.assertj.core.api.Assertions.assertThat;

class DispatchTopologyTest {

    private DispatchTopologyFixture f = new DispatchTopologyFixture();

    @AfterEach
    void close() {
        f.close();
    }

    @Test
    void userOnlineOnTwoGatewaysGetsOneRecordPerGatewayWithThatGatewaysDevices() {
        f.heartbeat("gw-a", Status.UP);
        f.heartbeat("gw-b", Status.UP);
        f.online("bob", "phone", "gw-a", f.now());
        f.online("bob", "tablet", "gw-a", f.now());
        f.online("bob", "laptop", "gw-b", f.now());

        f.route(routedText("m1", "alice", "a-phone", "bob", 7, false, f.now() - 40));

        List<TestRecord<String, DownstreamMessage>> onA = f.downstream("gw-a").readRecordsToList();
        List<TestRecord<String, DownstreamMessage>> onB = f.downstream("gw-b").readRecordsToList();
        assertThat(onA).hasSize(1);
        assertThat(onB).hasSize(1);
        assertThat(onA.get(0).key()).isEqualTo("bob");
        assertThat(onA.get(0).value().deviceIds()).containsExactly("phone", "tablet");
        assertThat(onB.get(0).value().deviceIds()).containsExactly("laptop");
        DownstreamMessage m = onA.get(0).value();
        assertThat(m.messageId()).isEqualTo("m1");
        assertThat(m.toUserId()).isEqualTo("bob");
        assertThat(m.fromUserId()).isEqualTo("alice");
        assertThat(m.seq()).isEqualTo(7);
        assertThat(f.tasks().isEmpty()).isTrue();
        assertThat(f.counter("delivered", "gw-a")).isEqualTo(1);
        assertThat(f.counter("delivered", "gw-b")).isEqualTo(1);
        assertThat(f.meters.find(DispatchMetrics.E2E_LATENCY).timer().count()).isEqualTo(2);
    }

    @Test
    void gatewayIsTreatedAsDownOnceItsLastHeartbeatIsOlderThanTheTimeout() {
        f.heartbeat("gw-a", Status.UP);
        f.online("bob", "phone", "gw-a", f.now());

        f.advance(Duration.ofSeconds(29));
        f.route(routedText("m1", "alice", "a-phone", "bob", 1, false, f.now()));
        assertThat(f.downstream("gw-a").readValuesToList()).hasSize(1);

        f.advance(Duration.ofSeconds(2));
        f.route(routedText("m2", "alice", "a-phone", "bob", 2, false, f.now()));
        assertThat(f.downstream("gw-a").isEmpty()).isTrue();
        assertThat(f.tasks().readValuesToList()).extracting(Task::taskType).containsExactly(TaskType.OFFLINE_PUSH);

        f.heartbeat("gw-a", Status.UP);
        f.route(routedText("m3", "alice", "a-phone", "bob", 3, false, f.now()));
        assertThat(f.downstream("gw-a").readValuesToList()).extracting(DownstreamMessage::messageId)
                .containsExactly("m3");
    }

    @Test
    void drainingGatewayGetsNoNewDeliveries() {
        f.heartbeat("gw-a", Status.UP);
        f.heartbeat("gw-b", Status.UP);
        f.online("bob", "phone", "gw-a", f.now());
        f.online("bob", "laptop", "gw-b", f.now());
        f.online("carol", "phone", "gw-b", f.now());
        f.heartbeat("gw-b", Status.DRAINING);

        f.route(routedText("m1", "alice", "a-phone", "bob", 1, false, f.now()));
        f.route(routedText("m2", "alice", "a-phone", "carol", 1, false, f.now()));

        assertThat(f.downstream("gw-a").readValuesToList()).extracting(DownstreamMessage::toUserId)
                .containsExactly("bob");
        assertThat(f.downstream("gw-b").isEmpty()).isTrue();
        assertThat(f.tasks().readValuesToList()).extracting(t -> Tasks.offlinePushPayload(t).userIds())
                .containsExactly(List.of("carol"));
    }

    @Test
    void downGatewaysUsersCountAsOfflineUnlessTheyHaveAnotherLiveDevice() {
        f.heartbeat("gw-a", Status.UP);
        f.heartbeat("gw-b", Status.DOWN);
        f.online("bob", "phone", "gw-a", f.now());
        f.online("bob", "laptop", "gw-b", f.now());

        f.route(routedText("m1", "alice", "a-phone", "bob", 1, false, f.now()));

        assertThat(f.downstream("gw-a").readValuesToList()).singleElement()
                .satisfies(m -> assertThat(m.deviceIds()).containsExactly("phone"));
        assertThat(f.downstream("gw-b").isEmpty()).isTrue();
        assertThat(f.tasks().isEmpty()).isTrue();
    }

    @Test
    void syncCopyLeavesOutTheSendingDevice() {
        f.heartbeat("gw-a", Status.UP);
        f.heartbeat("gw-b", Status.UP);
        f.online("alice", "a-phone", "gw-a", f.now());
        f.online("alice", "a-tablet", "gw-a", f.now());
        f.online("alice", "a-laptop", "gw-b", f.now());

        f.route(routedText("m1", "alice", "a-phone", "alice", 1, true, f.now()));

        assertThat(f.downstream("gw-a").readValuesToList()).singleElement()
                .satisfies(m -> assertThat(m.deviceIds()).containsExactly("a-tablet"));
        assertThat(f.downstream("gw-b").readValuesToList()).singleElement()
                .satisfies(m -> assertThat(m.deviceIds()).containsExactly("a-laptop"));
    }

    @Test
    void syncCopyIsDroppedWithoutPushWhenTheSenderHasNoOtherLiveDevice() {
        f.heartbeat("gw-a", Status.UP);
        f.online("alice", "a-phone", "gw-a", f.now());

        f.route(routedText("m1", "alice", "a-phone", "alice", 1, true, f.now()));

        assertThat(f.downstream("gw-a").isEmpty()).isTrue();
        assertThat(f.tasks().isEmpty()).isTrue();
        assertThat(f.counter("sync_dropped", "none")).isEqualTo(1);
    }

    @Test
    void offlineRecipientYieldsExactlyOneOfflinePushTaskWithATextPreview() {
        f.heartbeat("gw-a", Status.UP);
        f.route(routedText("m1", "alice", "a-phone", "bob", 4, false, f.now()));

        List<TestRecord<String, Task>> tasks = f.tasks().readRecordsToList();
        assertThat(tasks).hasSize(1);
        Task task = tasks.get(0).value();
        assertThat(tasks.get(0).key()).isEqualTo("offline_push");
        assertThat(task.taskId()).isEqualTo("push:alice:m1:bob");
        OfflinePushPayload push = Tasks.offlinePushPayload(task);
        assertThat(push.userIds()).containsExactly("bob");
        assertThat(push.fromUserId()).isEqualTo("alice");
        assertThat(push.messageId()).isEqualTo("m1");
        assertThat(push.title()).isEqualTo("New message");
        assertThat(push.content()).isEqualTo("alice: hello m1");
        assertThat(push.pushType()).isEqualTo("message");
        assertThat(push.conversationId()).isEqualTo("conv-1");
        assertThat(f.counter("offline", "none")).isEqualTo(1);
        assertThat(f.recipients("offline", "none")).isEqualTo(1);
    }

    @Test
    void offlinePushIsKeyedByUserWithTheEntityKeyStrategyAndShowsAFilePlaceholder() {
        f.close();
        f = new DispatchTopologyFixture(DispatcherProperties.defaults(), TaskKeyStrategy.ENTITY, 1);
        UpstreamMessage file = new UpstreamMessage("m9", "alice", "bob", "conv-1", "", "file",
                Map.of("filename", "report.pdf", "size", 10, "mime_type", "application/pdf"), "gw-a", "a-phone",
                f.now(), UpstreamMessage.CURRENT_VERSION, null, null);
        f.route(RoutedMessage.to("bob", new SequencedMessage(file, 1, f.now()), false, f.now()));

        TestRecord<String, Task> task = f.tasks().readRecord();
        assertThat(task.key()).isEqualTo("bob");
        assertThat(Tasks.offlinePushPayload(task.value()).content()).isEqualTo("alice: [file] report.pdf");
    }

    @Test
    void presenceEventOlderThanWhatIsStoredForTheDeviceIsIgnored() {
        f.heartbeat("gw-a", Status.UP);
        long t = f.now();
        f.online("bob", "phone", "gw-a", t);
        f.offline("bob", "phone", "gw-a", t - 1_000);
        f.route(routedText("m1", "alice", "a-phone", "bob", 1, false, t));
        assertThat(f.downstream("gw-a").readValuesToList()).hasSize(1);

        f.offline("bob", "phone", "gw-a", t + 2_000);
        f.online("bob", "phone", "gw-a", t + 1_000);
        f.route(routedText("m2", "alice", "a-phone", "bob", 2, false, t));
        assertThat(f.downstream("gw-a").isEmpty()).isTrue();
        assertThat(f.tasks().readValuesToList()).hasSize(1);
        assertThat(f.meters.find(DispatchMetrics.PRESENCE).tag("outcome", "stale").counter().count())
                .isEqualTo(2);
    }

    @Test
    void deviceThatMovedToAnotherGatewayIsDeliveredThere() {
        f.heartbeat("gw-a", Status.UP);
        f.heartbeat("gw-b", Status.UP);
        f.online("bob", "phone", "gw-a", f.now());
        f.online("bob", "phone", "gw-b", f.now() + 1);

        f.route(routedText("m1", "alice", "a-phone", "bob", 1, false, f.now()));

        assertThat(f.downstream("gw-a").isEmpty()).isTrue();
        assertThat(f.downstream("gw-b").readValuesToList()).hasSize(1);
    }

    @Test
    void gatewayWhoseTopicIsNotReadyIsSkippedAndTheRecipientPushed() {
        f.heartbeat("gw-a", Status.UP);
        f.online("bob", "phone", "gw-a", f.now());
        f.gatewayTopics.notReady.add("gw-a");

        f.route(routedText("m1", "alice", "a-phone", "bob", 1, false, f.now()));

        assertThat(f.downstream("gw-a").isEmpty()).isTrue();
        assertThat(f.tasks().readValuesToList()).hasSize(1);
        assertThat(f.counter("gateway_not_ready", "gw-a")).isEqualTo(1);
    }

    @Test
    void malformedRoutedRecordIsDeadLetteredWithItsReasonAndTheStreamGoesOn() {
        f.heartbeat("gw-a", Status.UP);
        f.online("bob", "phone", "gw-a", f.now());
        byte[] broken = "{\"message_id\": \"x".getBytes(StandardCharsets.UTF_8);
        f.routed.pipeInput("bob", broken);
        f.route(routedText("m1", "alice", "a-phone", "bob", 1, false, f.now()));

        TestRecord<String, byte[]> dead = f.dlq(TopicKind.ROUTED).readRecord();
        assertThat(dead.key()).isEqualTo("bob");
        assertThat(dead.value()).isEqualTo(broken);
        assertThat(DeadLetterHeaders.text(dead.headers(), ImHeaders.DLT_REASON)).isEqualTo("MALFORMED_JSON");
        assertThat(DeadLetterHeaders.text(dead.headers(), ImHeaders.DLT_STAGE)).isEqualTo("downstream-dispatcher");
        assertThat(DeadLetterHeaders.text(dead.headers(), "kafka_dlt-original-topic")).isEqualTo("im-routed-topic");
        assertThat(f.downstream("gw-a").readValuesToList()).hasSize(1);
        assertThat(f.counter("dead_lettered", "none")).isEqualTo(1);
    }

    @Test
    void routedRecordNotKeyedByItsRecipientIsDeadLettered() {
        RoutedMessage m = routedText("m1", "alice", "a-phone", "bob", 1, false, f.now());
        f.routed.pipeInput("alice", WireJson.toBytes(m));

        TestRecord<String, byte[]> dead = f.dlq(TopicKind.ROUTED).readRecord();
        assertThat(DeadLetterHeaders.text(dead.headers(), ImHeaders.DLT_REASON)).isEqualTo("INVALID_FIELD");
        assertThat(f.tasks().isEmpty()).isTrue();
    }

    @Test
    void singleChatRecordOnAPartitionItsRecipientDoesNotBelongToIsDeadLetteredNamingTheRecipient() {
        f.close();
        f = new DispatchTopologyFixture(DispatcherProperties.defaults(), TaskKeyStrategy.TASK_TYPE,
                DispatchTopologyFixture.MANY_PARTITIONS);
        String elsewhere = f.userOfAnotherPartition("user");
        f.heartbeat("gw-a", Status.UP);
        f.online(elsewhere, "phone", "gw-a", f.now());

        f.route(routedText("m1", "alice", "a-phone", elsewhere, 1, false, f.now()));

        TestRecord<String, byte[]> dead = f.dlq(TopicKind.ROUTED).readRecord();
        assertThat(DeadLetterHeaders.text(dead.headers(), ImHeaders.DLT_REASON)).isEqualTo("INVALID_FIELD");
        assertThat(DeadLetterHeaders.text(dead.headers(), DeadLetterHeaders.DLT_EXCEPTION_MESSAGE))
                .contains("recipient_id", elsewhere);
        assertThat(f.downstream("gw-a").isEmpty()).isTrue();
        assertThat(f.tasks().isEmpty()).isTrue();
    }

    @Test
    void singleChatRecordLargerThanTheDeliveryLimitIsDeadLetteredAsTooLarge() {
        f.close();
        f = new DispatchTopologyFixture(withMaxDeliveryBytes(DataSize.ofBytes(600)), TaskKeyStrategy.TASK_TYPE, 1);
        f.heartbeat("gw-a", Status.UP);
        for (int d = 0; d < 40; d++) {
            f.online("bob", "device-with-a-long-name-" + d, "gw-a", f.now());
        }

        f.route(routedText("m1", "alice", "a-phone", "bob", 1, false, f.now()));

        TestRecord<String, byte[]> dead = f.dlq(TopicKind.ROUTED).readRecord();
        assertThat(DeadLetterHeaders.text(dead.headers(), ImHeaders.DLT_REASON)).isEqualTo("TOO_LARGE");
        assertThat(f.downstream("gw-a").isEmpty()).isTrue();
        assertThat(f.tasks().isEmpty()).isTrue();
    }

    static DispatcherProperties withMaxDeliveryBytes(DataSize max) {
        DispatcherProperties d = DispatcherProperties.defaults();
        return new DispatcherProperties(d.gatewayTimeout(), d.topicReadyTimeout(), d.topicRetryBackoff(),
                d.gatewayScanInterval(), d.presenceReorderWindow(), d.presenceSweepInterval(), max, d.push(),
                d.traceSyncCopies());
    }

    @Test
    void invalidPresenceEventGoesToThePresenceDeadLetterTopic() {
        f.presence.pipeInput("bob", "{\"user_id\":\"bob\",\"status\":\"away\"}".getBytes(StandardCharsets.UTF_8));

        TestRecord<String, byte[]> dead = f.dlq(TopicKind.PRESENCE).readRecord();
        assertThat(DeadLetterHeaders.text(dead.headers(), ImHeaders.DLT_REASON)).isEqualTo("MISSING_FIELD");
        assertThat(DeadLetterHeaders.text(dead.headers(), "kafka_dlt-original-topic"))
                .isEqualTo("im-presence-topic");
    }

    @Test
    void recordsForOneRecipientLeaveInSeqOrder() {
        f.heartbeat("gw-a", Status.UP);
        f.online("bob", "phone", "gw-a", f.now());
        for (long seq = 1; seq <= 20; seq++) {
            f.route(routedText("m" + seq, "alice", "a-phone", "bob", seq, false, f.now()));
        }
        assertThat(f.downstream("gw-a").readValuesToList()).extracting(DownstreamMessage::seq)
                .isSorted().hasSize(20);
    }
}
