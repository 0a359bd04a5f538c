package io.impipeline.dispatcher.topology;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.impipeline.dispatcher.settings.DispatcherProperties;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.trace.RoutedHeader;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.trace.TraceStage;
import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.GatewayHeartbeat.Status;
import io.impipeline.model.wire.RecipientPartitions;
import io.impipeline.model.wire.RoutedMessage;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import static io.impipeline.dispatcher.topology.DispatchTopologyFixture.GROUP_CONVERSATION;
import static io.impipeline.dispatcher.topology.DispatchTopologyFixture.routedGroupText;
import static io.impipeline.dispatcher.topology.DispatchTopologyFixture.routedText;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Message trace (issue 15): the dispatcher writes, in the transaction that writes the records, at most two events per
 * routed record, keyed by message_id: {@code delivered} listing each downstream record (topic, the partition the
 * default partitioner picks for its key, recipients) and {@code push_task} counting the offline-push tasks and their
 * users; either carries the router's {@code routed} event a single chat's record brings in its header
 * ({@link RoutedHeader}), which no downstream record or push task keeps; nothing with {@code im.trace.enabled=false}.
 */
class MessageTraceTest {

    /** What {@link #carrying} puts in the header, as the dispatcher's event holds it. */
    private static final Map<String, Object> CARRIED_FACTS = Map.of("app", "upstream-router", "at", 1000, "seq", 7,
            "recipients", 1, "partitions", List.of(2, 5), "tasks", 1, "sync", true,
            "accepted", Map.of("at", 997, "partition", 1, "offset", 42));

    private DispatchTopologyFixture f = DispatchTopologyFixture.withTrace(true);

    @AfterEach
    void close() {
        f.close();
    }

    /** Kafka's default partitioner for a String key, with the downstream topics' partition count (3). */
    private int downstreamPartitionOf(String key) {
        return RecipientPartitions.partitionOf(key, f.topics.downstreamSpec("any").partitions());
    }

    /** The one {@code delivered} event's listed records, by topic. */
    private static Map<String, Map<String, Object>> deliveredByTopic(List<TestRecord<String, TraceEvent>> records) {
        TraceEvent delivered = records.stream().map(TestRecord::value).filter(e -> e.stage() == TraceStage.DELIVERED)
                .collect(onlyOne());
        return deliveries(delivered).stream()
                .collect(Collectors.toMap(d -> (String) d.get("topic"), Function.identity()));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> deliveries(TraceEvent delivered) {
        return (List<Map<String, Object>>) delivered.detail().get("deliveries");
    }

    @Test
    void theGatewayBatchesOfARoutedRecordAndItsPushTaskAreOneEvent() {
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
        assertThat(records).as("delivered, carrying the push task of m4").extracting(r -> r.value().stage())
                .containsExactly(TraceStage.DELIVERED);
        assertThat(records).allSatisfy(r -> {
            assertThat(r.key()).isEqualTo("g1");
            assertThat(r.value().messageId()).isEqualTo("g1");
            assertThat(r.value().fromUserId()).isEqualTo("alice");
            assertThat(r.value().app()).isEqualTo("downstream-dispatcher");
            assertThat(r.value().at()).isEqualTo(f.now());
            assertThat(r.headers().toArray()).as("a trace record carries no headers").isEmpty();
            assertThat(new String(WireJson.toBytes(r.value()), StandardCharsets.UTF_8)).doesNotContain("hello");
        });
        Map<String, Map<String, Object>> delivered = deliveredByTopic(records);
        int partition = downstreamPartitionOf(GROUP_CONVERSATION);
        assertThat(delivered).containsOnlyKeys(f.topics.downstreamTopic("gw-a"), f.topics.downstreamTopic("gw-b"));
        assertThat(delivered.get(f.topics.downstreamTopic("gw-a"))).containsEntry("partition", partition)
                .containsEntry("recipients", 2).doesNotContainKey("offset");
        assertThat(delivered.get(f.topics.downstreamTopic("gw-b"))).containsEntry("partition", partition)
                .containsEntry("recipients", 2);
        assertThat(records.get(0).value().detail()).containsEntry("records", 2).containsEntry("recipients", 4)
                .doesNotContainKey("sync").containsEntry("push_task", Map.of("tasks", 1, "users", 1));
    }

    @Test
    void aGroupRecordSplitForSizeListsEveryDownstreamRecord() {
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
        TraceEvent delivered = f.trace().readValuesToList().stream().collect(onlyOne());
        assertThat(delivered.stage()).isEqualTo(TraceStage.DELIVERED);
        assertThat(delivered.detail()).containsEntry("records", written.size()).containsEntry("recipients", 100)
                .as("everybody online: no push task carried").doesNotContainKey("push_task");
        assertThat(deliveries(delivered)).extracting(d -> d.get("recipients"))
                .containsExactlyElementsOf(written.stream().map(m -> (Object) m.recipients().size()).toList());
    }

    @Test
    void aSingleChatRecordListsEachGatewayWithTheRecipientsPartition() {
        f.heartbeat("gw-a", Status.UP);
        f.heartbeat("gw-b", Status.UP);
        f.online("bob", "phone", "gw-a", f.now());
        f.online("bob", "laptop", "gw-b", f.now());

        f.route(routedText("m1", "alice", "a-phone", "bob", 7, false, f.now()));

        Map<String, Map<String, Object>> delivered = deliveredByTopic(f.trace().readRecordsToList());
        assertThat(delivered).containsOnlyKeys(f.topics.downstreamTopic("gw-a"), f.topics.downstreamTopic("gw-b"));
        assertThat(delivered.values()).allSatisfy(d -> assertThat(d)
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
                    .containsEntry("records", 1);
            assertThat(deliveries(e)).singleElement()
                    .satisfies(d -> assertThat(d).containsEntry("partition", downstreamPartitionOf("alice")));
        });
    }

    @Test
    void syncCopiesNotTracedWriteNoEventForTheSyncCopyOnly() {
        f.close();
        f = new DispatchTopologyFixture(DispatcherProperties.defaults().withTraceSyncCopies(false),
                TaskKeyStrategy.TASK_TYPE, 1, () -> 1, true);
        f.heartbeat("gw-a", Status.UP);
        f.online("bob", "phone", "gw-a", f.now());
        f.online("alice", "a-laptop", "gw-a", f.now());

        f.route(routedText("m1", "alice", "a-phone", "bob", 1, false, f.now()), carrying(1000L));
        f.route(routedText("m1", "alice", "a-phone", "alice", 1, true, f.now()));

        assertThat(f.downstream("gw-a").readRecordsToList()).as("both copies delivered").hasSize(2);
        assertThat(f.trace().readValuesToList()).singleElement().satisfies(e -> {
            assertThat(e.stage()).isEqualTo(TraceStage.DELIVERED);
            assertThat(e.detail()).doesNotContainKey("sync").containsKey("routed");
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
            assertThat(r.value().detail()).isEqualTo(Map.of("tasks", 1, "users", 1));
        });
    }

    @Test
    void thePushTasksOfALargeOfflineBatchAreCountedInOneEvent() {
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 501; i++) {
            members.add(String.format("member-%03d", i));
        }

        f.route(routedGroupText("g1", "alice", members, 1, f.now()));

        assertThat(f.tasks().readValuesToList()).hasSize(2);
        assertThat(f.trace().readValuesToList()).singleElement().satisfies(e -> {
            assertThat(e.stage()).isEqualTo(TraceStage.PUSH_TASK);
            assertThat(e.detail()).isEqualTo(Map.of("tasks", 2, "users", 501));
        });
    }

    /** A group batch reaching very many gateways lists the first {@link DispatchTraces#MAX_LISTED}, counts all. */
    @Test
    void aDeliveredEventListsAtMostMaxListedRecords() {
        List<String> members = new ArrayList<>();
        int gateways = DispatchTraces.MAX_LISTED + 6;
        for (int i = 0; i < gateways; i++) {
            String gateway = String.format("gw-%03d", i);
            f.heartbeat(gateway, Status.UP);
            members.add(String.format("member-%03d", i));
            f.online(members.get(i), "phone", gateway, f.now());
        }

        f.route(routedGroupText("g1", "alice", members, 1, f.now()));

        TraceEvent delivered = f.trace().readValuesToList().stream().collect(onlyOne());
        assertThat(delivered.detail()).containsEntry("records", gateways).containsEntry("recipients", gateways);
        assertThat(deliveries(delivered)).hasSize(DispatchTraces.MAX_LISTED);
        assertThat(WireJson.toBytes(delivered).length).as("well under the trace store's 16 KiB detail limit")
                .isLessThan(8 * 1024);
    }

    private static java.util.stream.Collector<TraceEvent, ?, TraceEvent> onlyOne() {
        return Collectors.collectingAndThen(Collectors.toList(), l -> {
            assertThat(l).hasSize(1);
            return l.get(0);
        });
    }

    /** The router's routed event of m1 as the recipient's routed record carries it ({@link RoutedHeader}). */
    private static RecordHeaders carrying(long at) {
        RecordHeaders headers = new RecordHeaders();
        RoutedHeader.put(headers, new TraceEvent("m1", "alice", TraceStage.ROUTED, "upstream-router", at,
                Map.of("seq", 7, "recipients", 1, "partitions", List.of(2, 5), "tasks", 1, "sync", true,
                        "accepted", Map.of("at", at - 3, "partition", 1, "offset", 42))));
        return headers;
    }

    @Test
    void theRoutedStageARecordCarriesRidesInItsDeliveredEventAndNoDownstreamRecordKeepsIt() {
        f.heartbeat("gw-a", Status.UP);
        f.online("bob", "phone", "gw-a", f.now());

        f.route(routedText("m1", "alice", "a-phone", "bob", 7, false, f.now()), carrying(1000L));

        assertThat(f.downstream("gw-a").readRecordsToList()).singleElement().satisfies(r -> assertThat(
                r.headers().lastHeader(RoutedHeader.HEADER)).as("internal: never to a gateway").isNull());
        TraceEvent delivered = f.trace().readValuesToList().stream().collect(onlyOne());
        assertThat(delivered.stage()).isEqualTo(TraceStage.DELIVERED);
        assertThat(delivered.detail().get(RoutedHeader.KEY)).as("the router's event, as it was")
                .isEqualTo(CARRIED_FACTS);
        assertThat(delivered.detail()).containsEntry("records", 1);
    }

    @Test
    void theRoutedStageOfAnOfflineRecipientRidesInItsPushTaskEvent() {
        f.route(routedText("m1", "alice", "a-phone", "bob", 7, false, f.now()), carrying(1000L));

        assertThat(f.tasks().readRecordsToList()).singleElement().satisfies(r -> assertThat(
                r.headers().lastHeader(RoutedHeader.HEADER)).isNull());
        TraceEvent pushTask = f.trace().readValuesToList().stream().collect(onlyOne());
        assertThat(pushTask.stage()).isEqualTo(TraceStage.PUSH_TASK);
        assertThat(pushTask.detail()).containsEntry("tasks", 1).containsEntry("users", 1)
                .containsKey(RoutedHeader.KEY);
    }

    @Test
    void aCarriedRoutedStageOfARecordThatMadeNothingIsWrittenAsTheRoutersEvent() {
        // A sync copy to a sender with no other device online: nothing delivered, nothing pushed.
        f.route(routedText("m1", "alice", "a-phone", "alice", 7, true, f.now()), carrying(1000L));

        assertThat(f.trace().readRecordsToList()).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo("m1");
            assertThat(r.value().stage()).isEqualTo(TraceStage.ROUTED);
            assertThat(r.value().app()).isEqualTo("upstream-router");
            assertThat(r.value().at()).isEqualTo(1000L);
            assertThat(r.value().fromUserId()).isEqualTo("alice");
            assertThat(r.value().detail()).containsEntry("seq", 7).doesNotContainKeys("app", "at");
        });
    }

    @Test
    void anUnreadableRoutedHeaderIsCountedAndTheRecordIsStillDispatchedAndTraced() {
        f.heartbeat("gw-a", Status.UP);
        f.online("bob", "phone", "gw-a", f.now());
        for (String forged : List.of("not json", "[1,2]", "{\"app\":\"r\"}", "{\"app\":\"r\",\"at\":\"x\"}",
                "{\"at\":1}", "{\"app\":\"r\",\"at\":1,\"pad\":\"" + "x".repeat(RoutedHeader.MAX_BYTES) + "\"}")) {
            RecordHeaders headers = new RecordHeaders();
            headers.add(RoutedHeader.HEADER, forged.getBytes(StandardCharsets.UTF_8));
            f.route(routedText("m1", "alice", "a-phone", "bob", 7, false, f.now()), headers);
        }

        assertThat(f.downstream("gw-a").readRecordsToList()).hasSize(6)
                .allSatisfy(r -> assertThat(r.headers().lastHeader(RoutedHeader.HEADER)).isNull());
        assertThat(f.trace().readValuesToList()).hasSize(6).allSatisfy(e -> {
            assertThat(e.stage()).isEqualTo(TraceStage.DELIVERED);
            assertThat(e.detail()).doesNotContainKey(RoutedHeader.KEY);
        });
        assertThat(f.meters.get(DispatchMetrics.UNREADABLE_ROUTED_STAGE).counter().count()).isEqualTo(6.0);
    }

    @Test
    void aDeadLetteredRoutedRecordKeepsItsCarriedRoutedStage() {
        RecordHeaders headers = carrying(1000L);
        byte[] raw = headers.lastHeader(RoutedHeader.HEADER).value();
        f.routed.pipeInput(new TestRecord<>("bob", "not json".getBytes(StandardCharsets.UTF_8), headers));

        assertThat(f.dlq(TopicKind.ROUTED).readRecordsToList()).singleElement().satisfies(r ->
                assertThat(r.headers().lastHeader(RoutedHeader.HEADER).value()).as("replayed, it carries it again")
                        .isEqualTo(raw));
        assertThat(f.trace().isEmpty()).isTrue();
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

        f.route(routedText("m1", "alice", "a-phone", "bob", 1, false, f.now()), carrying(1000L));
        f.route(routedText("m1", "alice", "a-phone", "alice", 1, true, f.now()));
        f.route(routedText("m2", "alice", "a-phone", "carol", 2, false, f.now()));
        f.route(routedGroupText("g1", "alice", List.of("bob", "carol"), 1, f.now()));

        assertThat(f.downstream("gw-a").readRecordsToList()).hasSize(3)
                .allSatisfy(r -> assertThat(r.headers().lastHeader(RoutedHeader.HEADER)).isNull());
        assertThat(f.tasks().readValuesToList()).hasSize(2);
        assertThat(f.trace().isEmpty()).isTrue();
    }
}
