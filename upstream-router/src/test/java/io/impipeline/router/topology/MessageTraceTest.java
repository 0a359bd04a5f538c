package io.impipeline.router.topology;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.model.trace.RoutedHeader;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.trace.TraceStage;
import io.impipeline.model.wire.RecipientPartitions;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.platform.kafka.RecordSizeGuard;
import io.impipeline.platform.messagetrace.TraceSwitch;
import io.impipeline.router.settings.RouterProperties;
import io.impipeline.router.settings.RouterProperties.FilterMode;
import io.impipeline.testkit.Messages;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.impipeline.router.topology.RouterDriver.T0;
import static io.impipeline.router.topology.RouterDriver.TOPICS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Message trace (issue 15): what each step does with a message is written to im-trace-topic by the same topology,
 * keyed by message_id, identified by (from_user_id, message_id): duplicate, masked / filtered, held / released,
 * routed, admission ({@code accepted}) carried in the detail of the next of them; a single chat's {@code routed}
 * carried on the recipient's routed record ({@link RoutedHeader}) for the dispatcher's event; nothing with
 * {@code im.trace.enabled=false}.
 */
class MessageTraceTest {

    private static final int ROUTED_PARTITIONS = TOPICS.spec(io.impipeline.model.topics.TopicKind.ROUTED).partitions();

    @TempDir
    Path stateDir;

    private RouterDriver router(RouterProperties properties, boolean trace) {
        return RouterDriver.withTrace(stateDir, properties, trace);
    }

    private static UpstreamMessage text(String id, String content) {
        return new UpstreamMessage(id, "alice", "bob", "conv_ab", content, "text", Map.of(), "gateway_001", "phone-1",
                T0.toEpochMilli(), "1.0", null, null);
    }

    private static UpstreamMessage scheduled(String id, Duration ahead) {
        return new UpstreamMessage(id, "alice", "bob", "conv_ab", "later", "text", Map.of(), "gateway_001", null,
                T0.toEpochMilli(), "1.0", null, T0.plus(ahead).toEpochMilli());
    }

    private static RouterProperties filtering(FilterMode mode) {
        RouterProperties d = RouterProperties.defaults();
        return d.withFilter(new RouterProperties.Filter(List.of("darn"), null, mode, '*', true,
                d.filter().noticeText()));
    }

    private static List<TraceStage> stages(List<TestRecord<String, TraceEvent>> records) {
        return records.stream().map(r -> r.value().stage()).toList();
    }

    private static TraceEvent only(List<TestRecord<String, TraceEvent>> records, TraceStage stage) {
        return records.stream().map(TestRecord::value).filter(e -> e.stage() == stage).findFirst().orElseThrow();
    }

    /**
     * The {@code routed} events the routed records carry ({@link RoutedHeader}), read as the dispatcher reads them,
     * with the ids of the message each record holds.
     */
    private static List<TraceEvent> carried(List<TestRecord<String, byte[]>> routedRecords) {
        return routedRecords.stream().map(r -> {
            RoutedHeader.Carried c = RoutedHeader.take(new RecordHeaders(r.headers().toArray()));
            if (c == null) {
                return null;
            }
            assertThat(c.readable()).as("the router's header reads").isTrue();
            UpstreamMessage m = WireJson.fromBytes(r.value(), RoutedMessage.class).message();
            return RoutedHeader.event(m.messageId(), m.fromUserId(), c.facts());
        }).filter(java.util.Objects::nonNull).toList();
    }

    private static TraceEvent carriedOnly(List<TestRecord<String, byte[]>> routedRecords) {
        List<TraceEvent> events = carried(routedRecords);
        assertThat(events).as("one routed record carries the routed stage").hasSize(1);
        return events.get(0);
    }

    @Test
    void aSingleChatMessagesRoutedStageRidesOnTheRecipientsRoutedRecordWithItsAdmission() {
        try (RouterDriver router = router(RouterProperties.defaults(), true)) {
            router.send(text("m0", "first"));
            router.traceRecords();
            router.routedRecords();
            router.send(text("m1", "hello bob, secret words"));

            assertThat(router.traceRecords()).as("no trace record of its own").isEmpty();
            List<TestRecord<String, byte[]>> routedRecords = router.routedRecords();
            assertThat(routedRecords).extracting(TestRecord::key).containsExactly("bob", "alice");
            assertThat(routedRecords.get(1).headers().lastHeader(RoutedHeader.HEADER))
                    .as("the sender's sync copy carries nothing").isNull();
            TraceEvent event = carriedOnly(routedRecords);
            assertThat(event.stage()).isEqualTo(TraceStage.ROUTED);
            assertThat(event.messageId()).isEqualTo("m1");
            assertThat(event.fromUserId()).isEqualTo("alice");
            assertThat(event.app()).isEqualTo("upstream-router");
            assertThat(event.at()).isEqualTo(T0.toEpochMilli());
            assertThat(new String(routedRecords.get(0).headers().lastHeader(RoutedHeader.HEADER).value(),
                    StandardCharsets.UTF_8)).doesNotContain("secret").doesNotContain("hello");
            Map<String, Object> routed = event.detail();
            // The second record piped to the upstream topic (partition 0 in the driver): offset 1.
            assertThat(routed.get("accepted")).isEqualTo(Map.of("at", T0.toEpochMilli(), "partition", 0,
                    "offset", 1));
            assertThat(routed).containsEntry("seq", 2).containsEntry("recipients", 1).containsEntry("tasks", 1)
                    .containsEntry("sync", true).doesNotContainKey("fanout");
            assertThat(routed.get("partitions")).isEqualTo(List.copyOf(new TreeSet<>(Set.of(
                    RecipientPartitions.partitionOf("bob", ROUTED_PARTITIONS),
                    RecipientPartitions.partitionOf("alice", ROUTED_PARTITIONS)))));
            assertThat(routedRecords).as("the admission's header stays inside the router")
                    .allSatisfy(r -> assertThat(r.headers().lastHeader(AcceptedHeader.HEADER)).isNull());
            assertThat(router.taskRecords()).hasSize(2)
                    .allSatisfy(r -> assertThat(r.headers().toArray()).extracting(Header::key)
                            .doesNotContain(AcceptedHeader.HEADER, RoutedHeader.HEADER));
        }
    }

    @Test
    void aDuplicateIsTracedAsDuplicateAndNotRouted() {
        try (RouterDriver router = router(RouterProperties.defaults(), true)) {
            router.send(text("m1", "hi"));
            assertThat(router.routed()).hasSize(2);
            assertThat(router.tasks()).hasSize(1);
            router.traceRecords();

            router.send(text("m1", "hi"));

            assertThat(router.routed()).isEmpty();
            assertThat(router.tasks()).isEmpty();
            List<TestRecord<String, TraceEvent>> records = router.traceRecords();
            assertThat(stages(records)).containsExactly(TraceStage.DUPLICATE);
            assertThat(records.get(0).key()).isEqualTo("m1");
            assertThat(records.get(0).value().fromUserId()).isEqualTo("alice");
        }
    }

    @Test
    void heldAndReleasedAreTraced() {
        long deliverAt = T0.plusSeconds(10).toEpochMilli();
        try (RouterDriver router = router(RouterProperties.defaults(), true)) {
            router.send(scheduled("m1", Duration.ofSeconds(10)));

            List<TestRecord<String, TraceEvent>> before = router.traceRecords();
            assertThat(stages(before)).containsExactly(TraceStage.HELD);
            assertThat(before.get(0).value().detail()).containsEntry("deliver_at", deliverAt)
                    .containsEntry("accepted", Map.of("at", T0.toEpochMilli(), "partition", 0, "offset", 0));
            assertThat(router.routed()).isEmpty();

            router.advanceWallClock(Duration.ofSeconds(10));

            List<TestRecord<String, TraceEvent>> after = router.traceRecords();
            assertThat(stages(after)).containsExactly(TraceStage.RELEASED);
            assertThat(after.get(0).key()).isEqualTo("m1");
            TraceEvent released = after.get(0).value();
            assertThat(released.at()).isEqualTo(deliverAt);
            assertThat(released.detail()).containsEntry("deliver_at", deliverAt)
                    .containsEntry("held_at", T0.toEpochMilli());
            List<TestRecord<String, byte[]>> routedRecords = router.routedRecords();
            assertThat(routedRecords).hasSize(2);
            TraceEvent routed = carriedOnly(routedRecords);
            assertThat(routed.messageId()).isEqualTo("m1");
            assertThat(routed.detail()).as("its held event told the admission").containsKey("seq")
                    .doesNotContainKey("accepted");
        }
    }

    @Test
    void maskedIsTracedAndTheMessageGoesOn() {
        try (RouterDriver router = router(filtering(FilterMode.MASK), true)) {
            router.send(text("m1", "darn it"));

            List<TestRecord<String, TraceEvent>> records = router.traceRecords();
            assertThat(stages(records)).containsExactly(TraceStage.MASKED);
            assertThat(only(records, TraceStage.MASKED).detail()).isEmpty();
            assertThat(carriedOnly(router.routedRecords()).detail()).containsKey("accepted");
        }
    }

    @Test
    void aRejectedMessageIsTracedFilteredAndItsNoticeIsTracedAsItsOwnMessage() {
        try (RouterDriver router = router(filtering(FilterMode.REJECT), true)) {
            router.send(text("m1", "darn it"));

            List<TestRecord<String, TraceEvent>> records = router.traceRecords();
            assertThat(stages(records)).containsExactly(TraceStage.FILTERED);
            TraceEvent filtered = records.get(0).value();
            assertThat(filtered.messageId()).isEqualTo("m1");
            assertThat(filtered.fromUserId()).isEqualTo("alice");
            String noticeId = ContentFilterStep.noticeId(text("m1", "darn it"));
            assertThat(filtered.detail()).containsEntry("action", "reject").containsEntry("notice_id", noticeId)
                    .containsEntry("accepted", Map.of("at", T0.toEpochMilli(), "partition", 0, "offset", 0));
            TraceEvent routed = carriedOnly(router.routedRecords());
            assertThat(routed.detail()).as("the notice is no upstream message: no admission of its own")
                    .doesNotContainKey("accepted");
            assertThat(routed.messageId()).isEqualTo(noticeId);
            assertThat(routed.fromUserId()).isEqualTo(ContentFilterStep.SYSTEM_SENDER);
        }
    }

    @Test
    void aGroupMessageIsTracedWithTheRoutedPartitionsOfItsBatches() {
        List<String> members = IntStream.range(0, 10).mapToObj(i -> "member_" + i).toList();
        try (RouterDriver router = router(RouterProperties.defaults(), true)) {
            router.group("g10", members);
            router.send(Messages.groupText("m1", "member_0", "g10", T0.toEpochMilli()));

            Set<Integer> partitions = new TreeSet<>();
            members.subList(1, members.size())
                    .forEach(m -> partitions.add(RecipientPartitions.partitionOf(m, ROUTED_PARTITIONS)));
            assertThat(router.traceRecords()).as("no trace record of its own").isEmpty();
            List<TestRecord<String, byte[]>> batches = router.routedRecords();
            assertThat(batches).hasSize(partitions.size());
            TraceEvent routed = carriedOnly(batches);
            assertThat(routed.messageId()).isEqualTo("m1");
            assertThat(routed.fromUserId()).isEqualTo("member_0");
            assertThat(routed.detail()).containsEntry("recipients", 9).containsEntry("tasks", 1)
                    .containsEntry("partitions", List.copyOf(partitions)).doesNotContainKey("sync")
                    .containsKey("accepted");
            int fewest = batches.stream().mapToInt(MessageTraceTest::recipientsOf).min().orElseThrow();
            TestRecord<String, byte[]> carrier = batches.stream()
                    .filter(r -> r.headers().lastHeader(RoutedHeader.HEADER) != null).findFirst().orElseThrow();
            assertThat(recipientsOf(carrier)).as("the batch with the fewest recipients carries it").isEqualTo(fewest);
        }
    }

    private static int recipientsOf(TestRecord<String, byte[]> batch) {
        return WireJson.fromBytes(batch.value(), RoutedMessage.class).recipients().size();
    }

    @Test
    void aBatchTheHeaderWouldTakeOverTheLimitLeavesTheEventARecordOfItsOwn() {
        // Two batches of equal size (members with ids of one length, as many on each partition), both larger than
        // what admission reserves for a message's envelope: a limit between their size and that size plus the
        // header leaves no batch to carry it.
        List<String> members = new ArrayList<>(List.of("member_0"));
        Map<Integer, Integer> perPartition = new HashMap<>();
        for (int i = 0; members.size() < 101; i++) {
            String id = "member_" + "x".repeat(90) + String.format("%05d", i);
            int partition = RecipientPartitions.partitionOf(id, ROUTED_PARTITIONS);
            if (perPartition.size() < 2 || perPartition.containsKey(partition)) {
                if (perPartition.merge(partition, 1, Integer::sum) <= 50) {
                    members.add(id);
                }
            }
        }
        UpstreamMessage message = Messages.groupText("m1", "member_0", "g100", T0.toEpochMilli());
        int withHeader;
        int without;
        try (RouterDriver router = router(RouterProperties.defaults(), true)) {
            router.group("g100", members);
            router.send(message);
            List<TestRecord<String, byte[]>> batches = router.routedRecords();
            assertThat(batches).hasSize(2);
            TestRecord<String, byte[]> carrier = batches.stream()
                    .filter(r -> r.headers().lastHeader(RoutedHeader.HEADER) != null).findFirst().orElseThrow();
            withHeader = RecordSizeGuard.sizeOf(carrier.key(), carrier.value(), carrier.headers());
            without = batches.stream().filter(r -> r != carrier)
                    .mapToInt(r -> RecordSizeGuard.sizeOf(r.key(), r.value(), r.headers())).max().orElseThrow();
        }
        // The largest limit under which the carrier does not fit with the header.
        int maxRequestSize = withHeader;
        while (RecordSizeGuard.forMaxRequestSize(maxRequestSize).fits(withHeader)) {
            maxRequestSize--;
        }
        RecordSizeGuard guard = RecordSizeGuard.forMaxRequestSize(maxRequestSize);
        assertThat(guard.fits(without)).as("the batches fit without the header").isTrue();
        try (RouterDriver router = new RouterDriver(stateDir.resolve("limited"), RouterProperties.defaults(),
                TaskKeyStrategy.TASK_TYPE, Clock.fixed(T0, ZoneOffset.UTC), null, guard, true)) {
            router.group("g100", members);
            router.send(message);

            assertThat(router.deadLetters()).as("the message fits without the header").isEmpty();
            assertThat(router.routedRecords()).as("routed, no batch carrying the routed stage").hasSize(2)
                    .allSatisfy(r -> assertThat(r.headers().lastHeader(RoutedHeader.HEADER)).isNull());
            TraceEvent routed = only(router.traceRecords(), TraceStage.ROUTED);
            assertThat(routed.messageId()).isEqualTo("m1");
            assertThat(routed.detail()).containsEntry("recipients", 100).containsKey("accepted");
        }
    }

    @Test
    void aLargeGroupMessageIsTracedAsRoutedToItsFanoutTask() {
        try (RouterDriver router = router(RouterProperties.defaults().withSmallGroupMax(3), true)) {
            router.group("big", IntStream.range(0, 4).mapToObj(i -> "user_" + i).toList());
            router.send(Messages.groupText("m1", "user_0", "big", T0.toEpochMilli()));

            TraceEvent routed = only(router.traceRecords(), TraceStage.ROUTED);
            assertThat(routed.detail()).containsEntry("fanout", true).containsEntry("recipients", 3)
                    .containsEntry("tasks", 2).containsEntry("partitions", List.of());
        }
    }

    @Test
    void aRecordKeyedOtherwiseIsTracedWithItsUpstreamPositionNotTheRepartitions() {
        try (RouterDriver router = router(RouterProperties.defaults(), true)) {
            router.send(text("m0", "keyed by the sender"));
            router.traceRecords();
            router.routedRecords();

            // Offset 1 upstream; through the by-sender repartition topic, where it is the first record (offset 0).
            router.sendRaw("not-the-sender", WireJson.toBytes(text("m1", "keyed otherwise")));

            assertThat(router.traceRecords()).isEmpty();
            List<TestRecord<String, byte[]>> routedRecords = router.routedRecords();
            assertThat(carriedOnly(routedRecords).detail().get("accepted")).isEqualTo(Map.of("at",
                    T0.toEpochMilli(), "partition", 0, "offset", 1));
            assertThat(routedRecords).allSatisfy(r -> assertThat(r.headers().toArray())
                    .extracting(Header::key).doesNotContain(UpstreamPosition.HEADER, AcceptedHeader.HEADER));
        }
    }

    @Test
    void anAdmissionHeaderFromOutsideIsReplacedWithTraceOnAndDroppedWithTraceOff() {
        RecordHeaders forged = new RecordHeaders();
        forged.add(AcceptedHeader.HEADER, java.nio.ByteBuffer.allocate(20).putLong(42L).putInt(9).putLong(999L)
                .array());
        try (RouterDriver router = router(RouterProperties.defaults(), true)) {
            router.sendWithHeaders(text("m1", "hi"), forged);

            List<TestRecord<String, byte[]>> routedRecords = router.routedRecords();
            assertThat(carriedOnly(routedRecords).detail().get("accepted")).as("dedup's own facts, not the gateway's")
                    .isEqualTo(Map.of("at", T0.toEpochMilli(), "partition", 0, "offset", 0));
            assertThat(routedRecords).isNotEmpty()
                    .allSatisfy(r -> assertThat(r.headers().lastHeader(AcceptedHeader.HEADER)).isNull());
        }
        try (RouterDriver router = router(RouterProperties.defaults(), false)) {
            router.sendWithHeaders(text("m1", "hi"), forged);

            assertThat(router.routedRecords()).isNotEmpty()
                    .allSatisfy(r -> assertThat(r.headers().lastHeader(AcceptedHeader.HEADER)).isNull());
            assertThat(router.taskRecords()).isNotEmpty()
                    .allSatisfy(r -> assertThat(r.headers().lastHeader(AcceptedHeader.HEADER)).isNull());
        }
    }

    @Test
    void aRoutedHeaderFromOutsideIsNeverPassedOn() {
        RecordHeaders forged = new RecordHeaders();
        forged.add(RoutedHeader.HEADER, "{\"app\":\"upstream-router\",\"at\":1,\"seq\":999}"
                .getBytes(StandardCharsets.UTF_8));
        List<String> members = List.of("alice", "bob", "carol");
        try (RouterDriver router = router(RouterProperties.defaults(), true)) {
            router.group("g3", members);
            router.sendWithHeaders(text("m1", "hi"), forged);
            router.sendWithHeaders(Messages.groupText("m2", "alice", "g3", T0.toEpochMilli()), forged);

            List<TestRecord<String, byte[]>> routedRecords = router.routedRecords();
            List<TraceEvent> carried = carried(routedRecords);
            assertThat(carried).as("the router's own: one per message, on one of its records")
                    .extracting(TraceEvent::messageId).containsExactly("m1", "m2");
            assertThat(carried).as("each message is its conversation's first").allSatisfy(e ->
                    assertThat(e.detail()).containsEntry("seq", 1).containsKey("accepted"));
            assertThat(router.taskRecords()).isNotEmpty()
                    .allSatisfy(r -> assertThat(r.headers().lastHeader(RoutedHeader.HEADER)).isNull());
        }
        try (RouterDriver router = router(RouterProperties.defaults(), false)) {
            router.sendWithHeaders(text("m1", "hi"), forged);

            assertThat(router.routedRecords()).isNotEmpty()
                    .allSatisfy(r -> assertThat(r.headers().lastHeader(RoutedHeader.HEADER)).isNull());
        }
    }

    @Test
    void aDeadLetterOfAStepAfterDedupDoesNotCarryTheAdmissionHeader() {
        DeadLetterTest.FailingClock clock = new DeadLetterTest.FailingClock();
        try (RouterDriver router = new RouterDriver(stateDir, filtering(FilterMode.MASK),
                io.impipeline.model.tasks.TaskKeyStrategy.TASK_TYPE, clock, null)) {
            clock.failing = true;
            // The filter step reads the clock for its masked event: it fails, after dedup admitted the message.
            router.send(text("m1", "darn it"));

            List<TestRecord<String, byte[]>> letters = router.deadLetters();
            assertThat(letters).extracting(RouterDriver::reasonOf).containsExactly("PROCESSING_ERROR");
            assertThat(letters.get(0).headers().lastHeader(AcceptedHeader.HEADER)).isNull();
        }
    }

    @Test
    void anInvalidRecordIsNotTracedHere() {
        try (RouterDriver router = router(RouterProperties.defaults(), true)) {
            router.sendRaw("alice", "not json".getBytes(StandardCharsets.UTF_8));

            assertThat(router.deadLetters()).hasSize(1);
            assertThat(router.traceRecords()).as("the dlq-handler traces dead letters").isEmpty();
        }
    }

    /**
     * Paused at run time (TraceSwitch, PUT /api/v1/trace-writing): the topology keeps its trace branches but writes no
     * event and carries none, and no header of the trace's own (admission, upstream position) goes out on a record;
     * resumed, the next message is traced as before.
     */
    @Test
    void tracePausedAtRunTimeWritesAndCarriesNothingUntilResumed() {
        TraceSwitch traceSwitch = TraceSwitch.of(true);
        try (RouterDriver router = RouterDriver.withTrace(stateDir, filtering(FilterMode.MASK), traceSwitch)) {
            traceSwitch.write(false);
            sendOneOfEachTracedStep(router);

            assertThat(router.traceRecords()).isEmpty();
            List<TestRecord<String, byte[]>> paused = router.routedRecords();
            assertThat(paused).hasSize(6).allSatisfy(r -> assertThat(r.headers().toArray()).extracting(Header::key)
                    .doesNotContain(RoutedHeader.HEADER, AcceptedHeader.HEADER, UpstreamPosition.HEADER));

            traceSwitch.write(true);
            router.send(text("m4", "hi"));

            assertThat(carriedOnly(router.routedRecords()).messageId()).isEqualTo("m4");
        }
    }

    @Test
    void traceOffWritesNoTraceRecords() {
        try (RouterDriver router = router(filtering(FilterMode.MASK), false)) {
            sendOneOfEachTracedStep(router);

            assertThat(router.traceRecords()).isEmpty();
            assertThat(router.routed()).extracting(kv -> kv.value.message().messageId())
                    .containsExactly("m1", "m1", "m2", "m2", "m3", "m3");
        }
    }

    /**
     * A masked message and its duplicate, one keyed otherwise (repartitioned, with its upstream position), one held and
     * released: every step that traces; six routed records (each with its sync copy).
     */
    private static void sendOneOfEachTracedStep(RouterDriver router) {
        router.send(text("m1", "darn it"));
        router.send(text("m1", "darn it"));
        router.sendRaw("not-the-sender", WireJson.toBytes(text("m2", "keyed otherwise")));
        router.send(scheduled("m3", Duration.ofSeconds(5)));
        router.advanceWallClock(Duration.ofSeconds(5));
    }
}
