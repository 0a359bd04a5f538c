package io.impipeline.dispatcher.topology;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import io.impipeline.dispatcher.settings.DispatcherProperties;
import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.Tasks;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.DownstreamMessage.Recipient;
import io.impipeline.model.wire.GatewayHeartbeat.Status;
import io.impipeline.model.wire.OfflinePushPayload;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.Task;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import static io.impipeline.dispatcher.topology.DispatchTopologyFixture.GROUP;
import static io.impipeline.dispatcher.topology.DispatchTopologyFixture.GROUP_CONVERSATION;
import static io.impipeline.dispatcher.topology.DispatchTopologyFixture.routedGroupText;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Group batches (contract v2): one record per (message, gateway) with its recipients, offline members pushed in
 * batches, misplaced batches dead-lettered.
 */
class GroupDispatchTopologyTest {

    private DispatchTopologyFixture f = new DispatchTopologyFixture();

    @AfterEach
    void close() {
        f.close();
    }

    @Test
    void batchOfFiveMembersOnTwoGatewaysWithTwoOfflineYieldsOneRecordPerGatewayAndOnePushForTheTwo() {
        f.heartbeat("gw-a", Status.UP);
        f.heartbeat("gw-b", Status.UP);
        f.online("m1", "phone", "gw-a", f.now());
        f.online("m2", "tablet", "gw-a", f.now());
        f.online("m2", "phone", "gw-a", f.now());
        f.online("m3", "laptop", "gw-b", f.now());
        f.online("m5", "phone", "gw-b", f.now());
        f.offline("m5", "phone", "gw-b", f.now() + 1);

        f.route(routedGroupText("g1", "alice", List.of("m5", "m3", "m1", "m4", "m2"), 9, f.now()));

        List<TestRecord<String, DownstreamMessage>> onA = f.downstream("gw-a").readRecordsToList();
        List<TestRecord<String, DownstreamMessage>> onB = f.downstream("gw-b").readRecordsToList();
        assertThat(onA).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(GROUP_CONVERSATION);
            assertThat(r.value().recipients()).containsExactly(new Recipient("m1", List.of("phone")),
                    new Recipient("m2", List.of("phone", "tablet")));
        });
        assertThat(onB).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(GROUP_CONVERSATION);
            assertThat(r.value().recipients()).containsExactly(new Recipient("m3", List.of("laptop")));
        });
        DownstreamMessage m = onA.get(0).value();
        assertThat(m.messageId()).isEqualTo("g1");
        assertThat(m.fromUserId()).isEqualTo("alice");
        assertThat(m.groupId()).isEqualTo(GROUP);
        assertThat(m.seq()).isEqualTo(9);
        assertThat(m.toUserId()).isNull();
        assertThat(m.deviceIds()).isNull();

        List<TestRecord<String, Task>> tasks = f.tasks().readRecordsToList();
        assertThat(tasks).singleElement().satisfies(t -> {
            assertThat(t.key()).isEqualTo("offline_push");
            assertThat(t.value().taskId()).isEqualTo("push:alice:g1:m4");
            OfflinePushPayload push = Tasks.offlinePushPayload(t.value());
            assertThat(push.userIds()).containsExactly("m4", "m5");
            assertThat(push.content()).isEqualTo("alice: hello g1");
            assertThat(push.conversationId()).isEqualTo(GROUP_CONVERSATION);
        });

        assertThat(f.counter("delivered", "gw-a")).isEqualTo(1);
        assertThat(f.counter("delivered", "gw-b")).isEqualTo(1);
        assertThat(f.recipients("delivered", "gw-a")).isEqualTo(2);
        assertThat(f.recipients("delivered", "gw-b")).isEqualTo(1);
        assertThat(f.counter("offline", "none")).isEqualTo(1);
        assertThat(f.recipients("offline", "none")).isEqualTo(2);
        assertThat(f.meters.find(DispatchMetrics.E2E_LATENCY).timer().count()).isEqualTo(2);
    }

    @Test
    void memberWithDevicesOnTwoGatewaysIsInBothGatewaysRecordsWithTheDevicesOfEach() {
        f.heartbeat("gw-a", Status.UP);
        f.heartbeat("gw-b", Status.UP);
        f.online("bob", "phone", "gw-a", f.now());
        f.online("bob", "laptop", "gw-b", f.now());
        f.online("bob", "tablet", "gw-b", f.now());
        f.online("carol", "phone", "gw-b", f.now());

        f.route(routedGroupText("g1", "alice", List.of("bob", "carol"), 1, f.now()));

        assertThat(f.downstream("gw-a").readValuesToList()).singleElement().satisfies(m ->
                assertThat(m.recipients()).containsExactly(new Recipient("bob", List.of("phone"))));
        assertThat(f.downstream("gw-b").readValuesToList()).singleElement().satisfies(m ->
                assertThat(m.recipients()).containsExactly(new Recipient("bob", List.of("laptop", "tablet")),
                        new Recipient("carol", List.of("phone"))));
        assertThat(f.tasks().isEmpty()).isTrue();
    }

    @Test
    void twelveHundredOfflineMembersArePushedInThreeSortedBatchesOfAtMostFiveHundredTheSameOnEveryRun() {
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 1_200; i++) {
            members.add(String.format("member-%04d", i));
        }
        List<String> shuffled = new ArrayList<>(members);
        Collections.shuffle(shuffled, new Random(16));

        f.route(routedGroupText("g1", "alice", shuffled, 1, f.now()));
        List<Task> first = f.tasks().readValuesToList();
        f.route(routedGroupText("g1", "alice", members, 1, f.now()));
        List<Task> second = f.tasks().readValuesToList();

        assertThat(first).extracting(t -> Tasks.offlinePushPayload(t).userIds().size()).containsExactly(500, 500, 200);
        assertThat(first).flatExtracting(t -> Tasks.offlinePushPayload(t).userIds()).containsExactlyElementsOf(members);
        assertThat(first).extracting(Task::taskId).containsExactly("push:alice:g1:member-0000",
                "push:alice:g1:member-0500", "push:alice:g1:member-1000");
        assertThat(second).extracting(Task::taskId)
                .containsExactlyElementsOf(first.stream().map(Task::taskId).toList());
        assertThat(second).extracting(Task::payload)
                .containsExactlyElementsOf(first.stream().map(Task::payload).toList());
        assertThat(f.recipients("offline", "none")).isEqualTo(2_400);
    }

    @Test
    void pushBatchesAreKeyedByTheirFirstUserWithTheEntityKeyStrategy() {
        f.close();
        f = new DispatchTopologyFixture(DispatcherProperties.defaults(), TaskKeyStrategy.ENTITY, 1);
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 501; i++) {
            members.add(String.format("member-%04d", i));
        }

        f.route(routedGroupText("g1", "alice", members, 1, f.now()));

        assertThat(f.tasks().readRecordsToList()).extracting(TestRecord::key)
                .containsExactly("member-0000", "member-0500");
    }

    @Test
    void theSenderIsNeverARecipientOfItsOwnGroupMessageAndAMemberListedTwiceCountsOnce() {
        f.heartbeat("gw-a", Status.UP);
        f.online("alice", "a-tablet", "gw-a", f.now());
        f.online("bob", "phone", "gw-a", f.now());

        f.route(routedGroupText("g1", "alice", List.of("bob", "alice", "carol", "bob", "carol"), 1, f.now()));

        assertThat(f.downstream("gw-a").readValuesToList()).singleElement().satisfies(m ->
                assertThat(m.recipients()).containsExactly(new Recipient("bob", List.of("phone"))));
        assertThat(f.tasks().readValuesToList()).singleElement().satisfies(t ->
                assertThat(Tasks.offlinePushPayload(t).userIds()).containsExactly("carol"));
    }

    @Test
    void gatewayWhoseTopicIsNotReadyIsAskedForOncePerBatchAndItsMembersArePushed() {
        f.heartbeat("gw-a", Status.UP);
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            members.add("m" + i);
            f.online("m" + i, "phone", "gw-a", f.now());
        }
        f.gatewayTopics.notReady.add("gw-a");

        f.route(routedGroupText("g1", "alice", members, 1, f.now()));

        assertThat(f.gatewayTopics.awaited).containsEntry("gw-a", 1);
        assertThat(f.downstream("gw-a").isEmpty()).isTrue();
        assertThat(f.tasks().readValuesToList()).singleElement().satisfies(t ->
                assertThat(Tasks.offlinePushPayload(t).userIds()).hasSize(20));
        assertThat(f.counter("gateway_not_ready", "gw-a")).isEqualTo(1);
    }

    @Test
    void recipientsThatDoNotFitOneRecordAreSpreadOverSeveralRecordsEachWithinTheLimit() {
        DataSize limit = DataSize.ofKilobytes(2);
        f.close();
        f = new DispatchTopologyFixture(DispatchTopologyTest.withMaxDeliveryBytes(limit), TaskKeyStrategy.TASK_TYPE, 1);
        f.heartbeat("gw-a", Status.UP);
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            members.add(String.format("member-%03d", i));
            f.online(members.get(i), "phone", "gw-a", f.now());
        }

        f.route(routedGroupText("g1", "alice", members, 1, f.now()));

        List<TestRecord<String, byte[]>> raw = f.driver.createOutputTopic(f.topics.downstreamTopic("gw-a"),
                new StringDeserializer(), new ByteArrayDeserializer()).readRecordsToList();
        assertThat(raw).hasSizeGreaterThan(1)
                .allSatisfy(r -> assertThat(r.value().length).isLessThanOrEqualTo((int) limit.toBytes()))
                .allSatisfy(r -> assertThat(r.key()).isEqualTo(GROUP_CONVERSATION));
        List<DownstreamMessage> records = raw.stream()
                .map(r -> WireJson.mapper().readValue(r.value(), DownstreamMessage.class)).toList();
        assertThat(records).extracting(DownstreamMessage::messageId).containsOnly("g1");
        assertThat(records).flatExtracting(DownstreamMessage::recipients).extracting(Recipient::userId)
                .containsExactlyElementsOf(members);
        assertThat(f.counter("delivered", "gw-a")).isEqualTo(raw.size());
        assertThat(f.recipients("delivered", "gw-a")).isEqualTo(100);
    }

    @Test
    void batchNotKeyedByItsConversationIsDeadLetteredAndNobodyGetsAnything() {
        f.heartbeat("gw-a", Status.UP);
        f.online("bob", "phone", "gw-a", f.now());
        RoutedMessage batch = routedGroupText("g1", "alice", List.of("bob", "carol"), 1, f.now());

        f.routed.pipeInput("bob", WireJson.toBytes(batch));

        assertDeadLettered("INVALID_FIELD", "conversation_id");
    }

    @Test
    void batchListingAMemberOfAnotherPartitionIsDeadLetteredNamingThatMember() {
        f.close();
        f = new DispatchTopologyFixture(DispatcherProperties.defaults(), TaskKeyStrategy.TASK_TYPE,
                DispatchTopologyFixture.MANY_PARTITIONS);
        f.heartbeat("gw-a", Status.UP);
        List<String> here = f.usersOfThisPartition("member", 3);
        String stranger = f.userOfAnotherPartition("stranger");
        for (String user : here) {
            f.online(user, "phone", "gw-a", f.now());
        }
        f.route(routedGroupText("g1", "alice", here, 1, f.now()));
        assertThat(f.downstream("gw-a").readValuesToList()).as("a batch of this partition's members")
                .singleElement().satisfies(m -> assertThat(m.recipients()).hasSize(3));

        List<String> withStranger = new ArrayList<>(here);
        withStranger.add(stranger);
        f.route(routedGroupText("g2", "alice", withStranger, 2, f.now()));

        assertDeadLettered("INVALID_FIELD", "recipient_ids", stranger);
    }

    @Test
    void batchMarkedAsSyncCopyIsDeadLettered() {
        RoutedMessage batch = routedGroupText("g1", "alice", List.of("bob"), 1, f.now());
        f.route(new RoutedMessage(batch.message(), batch.seq(), null, batch.recipientIds(), true, batch.routedAt()));

        assertDeadLettered("INVALID_FIELD", "sync");
    }

    /**
     * What contract v2 saves: a 300-member group message on one routed partition, 5 gateways, every tenth member
     * offline. Contract v1 wrote one routed record per member and, from each, one downstream record per gateway of
     * that member or one push; v2 writes one record per gateway and one push batch.
     */
    @Test
    void threeHundredMemberGroupMessageNeedsOneRecordPerGatewayAndOnePushBatch() {
        int gateways = 5;
        for (int g = 0; g < gateways; g++) {
            f.heartbeat("gw-" + g, Status.UP);
        }
        List<String> members = new ArrayList<>();
        int perMemberRecordsInV1 = 0;
        for (int u = 0; u < 300; u++) {
            String member = "member-" + u;
            members.add(member);
            if (u % 10 == 0) {
                perMemberRecordsInV1++;
                continue;
            }
            Set<String> itsGateways = new HashSet<>();
            for (int d = 0; d < 1 + u % 3; d++) {
                String gateway = "gw-" + (u + d) % gateways;
                f.online(member, "dev-" + d, gateway, f.now());
                itsGateways.add(gateway);
            }
            perMemberRecordsInV1 += itsGateways.size();
        }

        f.route(routedGroupText("g1", "alice", members, 1, f.now()));

        int downstream = 0;
        int recipients = 0;
        for (int g = 0; g < gateways; g++) {
            List<DownstreamMessage> records = f.downstream("gw-" + g).readValuesToList();
            downstream += records.size();
            recipients += records.stream().mapToInt(m -> m.recipients().size()).sum();
        }
        List<Task> pushes = f.tasks().readValuesToList();
        assertThat(downstream).isEqualTo(gateways);
        assertThat(pushes).singleElement()
                .satisfies(t -> assertThat(Tasks.offlinePushPayload(t).userIds()).hasSize(30));
        assertThat(recipients + 30).as("the (member, gateway) pairs v1 wrote one record each for")
                .isEqualTo(perMemberRecordsInV1).isEqualTo(570);
    }

    private void assertDeadLettered(String reason, String... detail) {
        TestRecord<String, byte[]> dead = f.dlq(TopicKind.ROUTED).readRecord();
        assertThat(DeadLetterHeaders.text(dead.headers(), ImHeaders.DLT_REASON)).isEqualTo(reason);
        assertThat(DeadLetterHeaders.text(dead.headers(), DeadLetterHeaders.DLT_EXCEPTION_MESSAGE)).contains(detail);
        assertThat(f.downstream("gw-a").isEmpty()).isTrue();
        assertThat(f.tasks().isEmpty()).isTrue();
        assertThat(f.counter("dead_lettered", "none")).isEqualTo(1);
    }
}
