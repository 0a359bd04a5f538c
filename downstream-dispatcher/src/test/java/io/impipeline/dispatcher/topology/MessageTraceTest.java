package io.impipeline.dispatcher.topology;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.trace.TraceStage;
import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.GatewayHeartbeat.Status;
import io.impipeline.model.wire.RecipientPartitions;
import io.impipeline.model.wire.RoutedMessage;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import static io.impipeline.dispatcher.topology.DispatchTopologyFixture.GROUP_CONVERSATION;
import static io.impipeline.dispatcher.topology.DispatchTopologyFixture.routedGroupText;
import static io.impipeline.dispatcher.topology.DispatchTopologyFixture.routedText;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Message trace (issue 15): the dispatcher writes, in the transaction that writes the records, one {@code delivered}
 * event per downstream record (topic, the partition the default partitioner picks for its key, recipients) and one
 * {@code push_task} event per offline-push task (users), keyed by message_id; nothing with
 * {@code im.trace.enabled=false}.
 */
class MessageTraceTest {

    private DispatchTopologyFixture f = DispatchTopologyFixture.withTrace(true);

    @AfterEach
    void close() {
        f.close();
    }

    /** Kafka's default partitioner for a String key, with the downstream topics' partition count (3). */
    private int downstreamPartitionOf(String key) {
        return RecipientPartitions.partitionOf(key, f.topics.downstreamSpec("any").partitions());
    }

    private static Map<String, TraceEvent> deliveredByTopic(List<TestRecord<String, TraceEvent>> records) {
        return records.stream().map(TestRecord::value).filter(e -> e.stage() == TraceStage.DELIVERED)
                .collect(Collectors.toMap(e -> (String) e.detail().get("topic"), Function.identity()));
    }

    @Test
    void eachGatewayBatchIsTracedOnceWithItsPartition() {
        f.heartbeat("gw-a", Status.UP);
        f.heartbeat("gw-b", Status.UP);
        f.online("m1", "phone", "gw-a", f.now());
        f.online("m2", "phone", "gw-a", f.now());
        f.online("m2", "tablet", "gw-b", f.now());
        f.online("m3", "laptop", "gw-b", f.now());

        f.route(routedGroupText("g1", "alice", List.of("m1", "m2", "m3", "m4"), 9, f.now()));

        assertThat(f.downstream("gw-a").readRecordsToList()).hasSize(1);
        assertThat(f.downstream("gw-b").readRecordsToList()).hasSize(1);
        List<TestRecord<String, TraceEvent>> records = f.trace().readRecordsToList();
        assertThat(records).extracting(r -> r.value().stage())
                .containsExactlyInAnyOrder(TraceStage.DELIVERED, TraceStage.DELIVERED, TraceStage.PUSH_TASK);
        assertThat(records).allSatisfy(r -> {
            assertThat(r.key()).isEqualTo("g1");
            assertThat(r.value().messageId()).isEqualTo("g1");
            assertThat(r.value().fromUserId()).isEqualTo("alice");
            assertThat(r.value().app()).isEqualTo("downstream-dispatcher");
            assertThat(r.value().at()).isEqualTo(f.now());
            assertThat(r.headers().toArray()).as("a trace record carries no headers").isEmpty();
            assertThat(new String(WireJson.toBytes(r.value()), StandardCharsets.UTF_8)).doesNotContain("hello");
        });
        Map<String, TraceEvent> delivered = deliveredByTopic(records);
        int partition = downstreamPartitionOf(GROUP_CONVERSATION);
        assertThat(delivered.get(f.topics.downstreamTopic("gw-a")).detail()).containsEntry("partition", partition)
                .containsEntry("recipients", 2).doesNotContainKey("sync").doesNotContainKey("offset");
        assertThat(delivered.get(f.topics.downstreamTopic("gw-b")).detail()).containsEntry("partition", partition)
                .containsEntry("recipients", 2);
        assertThat(records).filteredOn(r -> r.value().stage() == TraceStage.PUSH_TASK).singleElement()
                .satisfies(r -> assertThat(r.value().detail()).containsEntry("users", 1));
    }

    @Test
    void aGroupRecordSplitForSizeIsTracedOncePerDownstreamRecord() {
        f.close();
        f = new DispatchTopologyFixture(DispatchTopologyTest.withMaxDeliveryBytes(DataSize.ofKilobytes(2)),
                TaskKeyStrategy.TASK_TYPE, 1, () -> 1, true);
        f.heartbeat("gw-a", Status.UP);
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            members.add(String.format("member-%03d", i));
            f.online(members.get(i), "phone", "gw-a", f.now());
        }

        f.route(routedGroupText("g1", "alice", members, 1, f.now()));

        List<DownstreamMessage> written = f.downstream("gw-a").readValuesToList();
        assertThat(written).hasSizeGreaterThan(1);
        List<TraceEvent> delivered = f.trace().readValuesToList();
        assertThat(delivered).hasSize(written.size()).allSatisfy(e -> assertThat(e.stage())
                .isEqualTo(TraceStage.DELIVERED));
        assertThat(delivered).extracting(e -> e.detail().get("recipients"))
                .containsExactlyElementsOf(written.stream().map(m -> (Object) m.recipients().size()).toList());
    }

    @Test
    void aSingleChatRecordIsTracedPerGatewayWithTheRecipientsPartition() {
        f.heartbeat("gw-a", Status.UP);
        f.heartbeat("gw-b", Status.UP);
        f.online("bob", "phone", "gw-a", f.now());
        f.online("bob", "laptop", "gw-b", f.now());

        f.route(routedText("m1", "alice", "a-phone", "bob", 7, false, f.now()));

        Map<String, TraceEvent> delivered = deliveredByTopic(f.trace().readRecordsToList());
        assertThat(delivered).containsOnlyKeys(f.topics.downstreamTopic("gw-a"), f.topics.downstreamTopic("gw-b"));
        assertThat(delivered.values()).allSatisfy(e -> assertThat(e.detail())
                .containsEntry("partition", downstreamPartitionOf("bob")).containsEntry("recipients", 1));
    }

    @Test
    void theSendersSyncCopyIsTracedAsDelivered() {
        f.heartbeat("gw-a", Status.UP);
        f.online("alice", "a-phone", "gw-a", f.now());
        f.online("alice", "a-laptop", "gw-a", f.now());

        f.route(routedText("m1", "alice", "a-phone", "alice", 3, true, f.now()));

        assertThat(f.trace().readValuesToList()).singleElement().satisfies(e -> {
            assertThat(e.stage()).isEqualTo(TraceStage.DELIVERED);
            assertThat(e.messageId()).isEqualTo("m1");
            assertThat(e.detail()).containsEntry("sync", true).containsEntry("recipients", 1)
                    .containsEntry("partition", downstreamPartitionOf("alice"));
        });
    }

    @Test
    void offlinePushTaskIsTraced() {
        f.route(routedText("m1", "alice", "a-phone", "bob", 1, false, f.now()));

        assertThat(f.tasks().readValuesToList()).hasSize(1);
        List<TestRecord<String, TraceEvent>> records = f.trace().readRecordsToList();
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo("m1");
            assertThat(r.value().stage()).isEqualTo(TraceStage.PUSH_TASK);
            assertThat(r.value().fromUserId()).isEqualTo("alice");
            assertThat(r.value().detail()).isEqualTo(Map.of("users", 1));
        });
    }

    @Test
    void eachPushTaskOfALargeOfflineBatchIsTracedWithItsUsers() {
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 501; i++) {
            members.add(String.format("member-%03d", i));
        }

        f.route(routedGroupText("g1", "alice", members, 1, f.now()));

        assertThat(f.tasks().readValuesToList()).hasSize(2);
        assertThat(f.trace().readValuesToList()).extracting(e -> e.stage().wireName() + ":" + e.detail().get("users"))
                .containsExactly("push_task:500", "push_task:1");
    }

    @Test
    void aDeadLetteredRoutedRecordIsNotTracedHere() {
        f.routed.pipeInput("bob", "not json".getBytes(StandardCharsets.UTF_8));

        assertThat(f.dlq(TopicKind.ROUTED).readRecordsToList()).hasSize(1);
        assertThat(f.trace().isEmpty()).as("the dlq-handler traces dead letters").isTrue();
    }

    @Test
    void traceOffWritesNoTraceRecords() {
        f.close();
        f = DispatchTopologyFixture.withTrace(false);
        f.heartbeat("gw-a", Status.UP);
        f.online("bob", "phone", "gw-a", f.now());
        f.online("alice", "a-laptop", "gw-a", f.now());

        f.route(routedText("m1", "alice", "a-phone", "bob", 1, false, f.now()));
        f.route(routedText("m1", "alice", "a-phone", "alice", 1, true, f.now()));
        f.route(routedText("m2", "alice", "a-phone", "carol", 2, false, f.now()));
        f.route(routedGroupText("g1", "alice", List.of("bob", "carol"), 1, f.now()));

        assertThat(f.downstream("gw-a").readRecordsToList()).hasSize(3);
        assertThat(f.tasks().readValuesToList()).hasSize(2);
        assertThat(f.trace().isEmpty()).isTrue();
    }
}
