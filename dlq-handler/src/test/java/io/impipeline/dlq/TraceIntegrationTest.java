package io.impipeline.dlq;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.impipeline.dlq.capture.TraceCaptureListener;
import io.impipeline.dlq.capture.TraceProgressAssignment;
import io.impipeline.dlq.capture.TraceRetention;
import io.impipeline.dlq.settings.TraceStoreProperties;
import io.impipeline.dlq.store.DeadLetterFilter;
import io.impipeline.dlq.store.DeadLetterRepository;
import io.impipeline.dlq.store.StoredTraceEvent;
import io.impipeline.dlq.store.TraceRepository;
import io.impipeline.dlq.store.TraceRow;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.trace.RoutedHeader;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.trace.TraceStage;
import io.impipeline.platform.autoconfigure.TraceProperties;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The trace store: im-trace-topic into trace_events, the dlq-handler's own stages, the trace API, retention. */
class TraceIntegrationTest extends DlqIntegrationSupport {

    @Autowired
    ImTopicsProperties topics;
    @Autowired
    MeterRegistry meters;
    @Autowired
    TraceRepository traces;
    @Autowired
    TraceRetention retention;
    @Autowired
    TraceProgressAssignment progressAssignment;
    @Autowired
    NamedParameterJdbcTemplate namedJdbc;
    @Autowired
    DeadLetterRepository deadLetters;
    @Autowired
    TraceStoreProperties storeSettings;

    private String traceTopic() {
        return topics.name(TopicKind.TRACE);
    }

    private void sendTrace(TraceEvent e) {
        send(new ProducerRecord<>(traceTopic(), e.key(), WireJson.toBytes(e)));
    }

    private void sendTraceBytes(String key, byte[] value) {
        sendTraceBytes(traceTopic(), key, value);
    }

    private void sendTraceBytes(String topic, String key, byte[] value) {
        send(new ProducerRecord<>(topic, key, value));
    }

    /** Stores these events as the listener does; how many were new. */
    private int insertAll(List<StoredTraceEvent> events) {
        return traces.store(events).events();
    }

    private JsonNode awaitTrace(String fromUserId, String messageId, int stages) {
        JsonNode[] body = new JsonNode[1];
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
            Response r = get("/api/v1/trace/" + fromUserId + "/" + messageId);
            body[0] = r.body();
            return r.status() == 200 && r.body().get("stages").size() >= stages;
        });
        return body[0];
    }

    private static List<String> stageNames(JsonNode trace) {
        List<String> out = new ArrayList<>();
        trace.get("stages").forEach(s -> out.add(s.get("stage").asString()));
        return out;
    }

    @Test
    void traceEventsOfAMessageAreListedInOrder() {
        String m = unique("msg");
        long t = 1_795_856_400_123L;
        // Written out of order (different apps, different partitions of their own topics): listed by time.
        sendTrace(new TraceEvent(m, "u1", TraceStage.DELIVERED, "downstream-dispatcher", t + 40,
                Map.of("topic", "im-downstream-topic-gw1", "partition", 2, "offset", 17)));
        sendTrace(new TraceEvent(m, "u1", TraceStage.ACCEPTED, "upstream-router", t, Map.of("partition", 3)));
        sendTrace(new TraceEvent(m, "u1", TraceStage.ROUTED, "upstream-router", t + 5,
                Map.of("seq", 17, "partitions", List.of(3, 7))));
        sendTrace(new TraceEvent(m, "u1", TraceStage.PERSISTED, "task-worker", t + 40, Map.of("seq", 17)));
        // The same message id from another sender is another message.
        sendTrace(new TraceEvent(m, "u2", TraceStage.ACCEPTED, "upstream-router", t + 1, Map.of()));

        JsonNode trace = awaitTrace("u1", m, 4);
        assertThat(trace.get("from_user_id").asString()).isEqualTo("u1");
        assertThat(trace.get("message_id").asString()).isEqualTo(m);
        assertThat(stageNames(trace)).as("by time, then as stored")
                .containsExactly("accepted", "routed", "delivered", "persisted");
        JsonNode accepted = trace.get("stages").get(0);
        assertThat(accepted.get("app").asString()).isEqualTo("upstream-router");
        assertThat(accepted.get("at").asString()).isEqualTo("2026-11-28T09:00:00.123Z");
        assertThat(accepted.get("detail").get("partition").asInt()).isEqualTo(3);
        JsonNode routed = trace.get("stages").get(1);
        assertThat(routed.get("detail").get("partitions").get(1).asInt()).isEqualTo(7);

        await().atMost(WAIT).until(() -> get("/api/v1/trace/" + m).body().get("senders").size() == 2);
        JsonNode all = get("/api/v1/trace/" + m).body();
        assertThat(all.get("message_id").asString()).isEqualTo(m);
        assertThat(all.get("senders").get(0).get("from_user_id").asString()).isEqualTo("u1");
        assertThat(all.get("senders").get(0).get("stages")).hasSize(4);
        assertThat(all.get("senders").get(1).get("from_user_id").asString()).isEqualTo("u2");
        assertThat(stageNames(all.get("senders").get(1))).containsExactly("accepted");
    }

    @Test
    void anAdmissionCarriedByTheRoutedEventIsShownAsTheAcceptedStage() {
        String m = unique("msg");
        long t = 1_795_856_400_000L;
        sendTrace(new TraceEvent(m, "u1", TraceStage.MASKED, "upstream-router", t + 2, Map.of()));
        sendTrace(new TraceEvent(m, "u1", TraceStage.ROUTED, "upstream-router", t + 5, Map.of("seq", 3,
                "accepted", Map.of("at", t + 1, "partition", 2, "offset", 40))));
        sendTrace(new TraceEvent(m, "u1", TraceStage.DELIVERED, "downstream-dispatcher", t + 3, Map.of()));
        // Not in the form the router writes: listed as stored.
        sendTrace(new TraceEvent(m, "u2", TraceStage.ROUTED, "upstream-router", t, Map.of("accepted", "yes")));

        JsonNode trace = awaitTrace("u1", m, 4);
        assertThat(stageNames(trace)).as("the admission at its own time, before the masking")
                .containsExactly("accepted", "masked", "delivered", "routed");
        JsonNode accepted = trace.get("stages").get(0);
        assertThat(accepted.get("app").asString()).isEqualTo("upstream-router");
        assertThat(accepted.get("at").asString()).isEqualTo("2026-11-28T09:00:00.001Z");
        assertThat(accepted.get("detail").get("partition").asInt()).isEqualTo(2);
        assertThat(accepted.get("detail").get("offset").asLong()).isEqualTo(40);
        assertThat(accepted.get("detail").has("at")).isFalse();
        JsonNode routed = trace.get("stages").get(3);
        assertThat(routed.get("detail").get("seq").asInt()).isEqualTo(3);
        assertThat(routed.get("detail").has("accepted")).as("told once, as its own stage").isFalse();

        await().atMost(WAIT).until(() -> get("/api/v1/trace/" + m).body().path("senders").size() == 2);
        JsonNode all = get("/api/v1/trace/" + m).body();
        assertThat(stageNames(all.get("senders").get(0))).containsExactly("accepted", "masked", "delivered",
                "routed");
        assertThat(stageNames(all.get("senders").get(1))).containsExactly("routed");
        assertThat(all.get("senders").get(1).get("stages").get(0).get("detail").get("accepted").asString())
                .isEqualTo("yes");
    }

    @Test
    void anUnknownMessageIsA404InTheSharedVocabulary() {
        Response one = get("/api/v1/trace/nobody/" + unique("nothing"));
        assertThat(one.status()).isEqualTo(404);
        assertThat(one.body().get("error").asString()).isEqualTo("NOT_FOUND");
        Response all = get("/api/v1/trace/" + unique("nothing"));
        assertThat(all.status()).isEqualTo(404);
        assertThat(all.body().get("error").asString()).isEqualTo("NOT_FOUND");
    }

    @Test
    void aCommittedStageIsVisibleWithinASecond() {
        String warm = unique("warm");
        sendTrace(TraceEvent.of(warm, "u", TraceStage.ACCEPTED, "upstream-router", System.currentTimeMillis()));
        awaitTrace("u", warm, 1);
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String m = unique("fast");
            sendTrace(TraceEvent.of(m, "u", TraceStage.ACCEPTED, "upstream-router", System.currentTimeMillis()));
            long sent = System.nanoTime();
            awaitTrace("u", m, 1);
            millis.add((System.nanoTime() - sent) / 1_000_000);
        }
        millis.sort(null);
        assertThat(millis.get(1)).as("median of %s ms from the broker's ack to the API", millis).isLessThan(1000);
    }

    @Test
    void unreadableTraceRecordIsSkippedAndCounted() {
        double before = meters.counter(TraceCaptureListener.UNREADABLE).count();
        String key = unique("same-partition");
        String m = unique("msg");
        sendTraceBytes(key, "not json".getBytes(StandardCharsets.UTF_8));
        sendTraceBytes(key, ("{\"message_id\":\"" + m + "\",\"from_user_id\":\"u\",\"stage\":\"teleported\","
                + "\"app\":\"x\",\"at\":1}").getBytes(StandardCharsets.UTF_8));
        sendTraceBytes(key, ("{\"message_id\":\"" + m + "\\u0000\",\"from_user_id\":\"u\",\"stage\":\"accepted\","
                + "\"app\":\"x\",\"at\":1}").getBytes(StandardCharsets.UTF_8));
        sendTraceBytes(key, null);
        // The next record of the same partition is stored: nothing blocks.
        sendTraceBytes(key, WireJson.toBytes(TraceEvent.of(m, "u", TraceStage.ACCEPTED, "upstream-router",
                System.currentTimeMillis())));

        JsonNode trace = awaitTrace("u", m, 1);
        assertThat(stageNames(trace)).containsExactly("accepted");
        assertThat(meters.counter(TraceCaptureListener.UNREADABLE).count() - before).isEqualTo(4.0);
    }

    /**
     * A COPY PostgreSQL refuses for another reason than an outage (here a trigger, standing for anything the checks
     * did not foresee) is stored event by event: the others are kept, the refused one is counted and skipped, and the
     * partition goes on.
     */
    @Test
    void aBatchPostgresRefusesIsStoredEventByEventAndOnlyTheRefusedOneIsSkipped() {
        String key = unique("same-partition");
        String kept = unique("msg");
        String refused = unique("refused-msg");
        String after = unique("msg");
        double before = meters.counter(TraceCaptureListener.UNREADABLE).count();
        long now = System.currentTimeMillis();
        try (Refusal refusal = refuseInserts("trace_message_events", "NEW.message_id = '%s'".formatted(refused))) {
            for (String m : List.of(kept, refused, after)) {
                sendTraceBytes(key, WireJson.toBytes(TraceEvent.of(m, "u", TraceStage.ACCEPTED, "upstream-router",
                        now)));
            }
            assertThat(stageNames(awaitTrace("u", after, 1))).containsExactly("accepted");
            assertThat(stageNames(awaitTrace("u", kept, 1))).containsExactly("accepted");
            await().atMost(WAIT).until(() -> meters.counter(TraceCaptureListener.UNREADABLE).count() > before);
        }
        assertThat(get("/api/v1/trace/u/" + refused).status()).isEqualTo(404);
        assertThat(meters.counter(TraceCaptureListener.UNREADABLE).count() - before).isEqualTo(1.0);
    }

    /** Inserted straight into the store, with a source topic of their own: their progress is theirs alone. */
    @Test
    void aRedeliveredTraceEventIsStoredOnce() {
        String m = unique("msg");
        String source = unique("trace-source");
        StoredTraceEvent e = new StoredTraceEvent(m, "u", "accepted", "upstream-router", Instant.now(), "{}", source, 1,
                42);
        assertThat(insertAll(List.of(e))).isEqualTo(1);
        assertThat(insertAll(List.of(e))).as("same coordinates").isZero();
        assertThat(traces.of("u", m)).hasSize(1);
        StoredTraceEvent next = new StoredTraceEvent(m, "u", "routed", "upstream-router", Instant.now(), "{}", source,
                1, 43);
        assertThat(insertAll(List.of(e, next, next))).as("one batch: a stored one and a repeated new one")
                .isEqualTo(1);
        assertThat(traces.of("u", m)).extracting(TraceRow::stage).containsExactly("accepted", "routed");
    }

    @Test
    void progressIsKeptPerSourcePartition() {
        String m = unique("msg");
        String source = unique("trace-source");
        Instant at = Instant.now();
        assertThat(insertAll(List.of(
                new StoredTraceEvent(m, "u", "accepted", "upstream-router", at, "{}", source, 0, 10),
                new StoredTraceEvent(m, "u", "routed", "upstream-router", at.plusMillis(1), "{}", source, 1, 3))))
                .isEqualTo(2);
        assertThat(insertAll(List.of(
                new StoredTraceEvent(m, "u", "delivered", "downstream-dispatcher", at.plusMillis(2), "{}", source, 1,
                        4),
                new StoredTraceEvent(m, "u", "persisted", "task-worker", at.plusMillis(3), "{}", source, 0, 9),
                new StoredTraceEvent(m, "u", "pushed", "task-worker", at.plusMillis(4), "{}", unique("other"), 0, 0))))
                .as("partition 1 goes on at 4; offset 9 of partition 0 is below its progress; another topic is new")
                .isEqualTo(2);
        assertThat(traces.of("u", m)).extracting(TraceRow::stage)
                .containsExactly("accepted", "routed", "delivered", "pushed");
    }

    /** A plain consumer given this partition, as the trace listener's consumer is when it is assigned. */
    private KafkaConsumer<byte[], byte[]> assignedConsumer(TopicPartition partition) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
        consumer.assign(List.of(partition));
        return consumer;
    }

    /** The trace topic deleted and made again: its offsets start again below the stored progress. */
    @Test
    void aRecreatedTraceTopicIsStoredFromItsStart() throws Exception {
        String source = unique("im-trace");
        createTopics(1, source);
        for (int i = 0; i < 2; i++) {
            sendTraceBytes(source, "k", "{}".getBytes(StandardCharsets.UTF_8));
        }
        String old = unique("msg");
        assertThat(insertAll(List.of(
                new StoredTraceEvent(old, "u", "accepted", "upstream-router", Instant.now(), "{}", source, 0, 500))))
                .isEqualTo(1);
        double resetsBefore = meters.counter(TraceProgressAssignment.RESETS).count();

        TopicPartition partition = new TopicPartition(source, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = assignedConsumer(partition)) {
            progressAssignment.onPartitionsAssigned(consumer, List.of(partition));
            assertThat(meters.counter(TraceProgressAssignment.RESETS).count() - resetsBefore)
                    .as("progress 501 is beyond the end (2)").isEqualTo(1.0);
            assertThat(consumer.position(partition)).as("read from the reset progress").isZero();
            progressAssignment.onPartitionsAssigned(consumer, List.of(partition));
            assertThat(meters.counter(TraceProgressAssignment.RESETS).count() - resetsBefore)
                    .as("reset once: progress 0 is within the partition").isEqualTo(1.0);
        }
        String fresh = unique("msg");
        assertThat(insertAll(List.of(
                new StoredTraceEvent(fresh, "u", "accepted", "upstream-router", Instant.now(), "{}", source, 0, 0))))
                .as("offset 0 of the new topic").isEqualTo(1);
        assertThat(traces.of("u", fresh)).hasSize(1);
    }

    /** The listener reads a partition it is given from the store's progress, not from the offset in Kafka. */
    @Test
    void anAssignedPartitionIsReadFromTheStoredProgress() {
        String source = unique("im-trace");
        createTopics(1, source);
        for (int i = 0; i < 5; i++) {
            sendTraceBytes(source, "k", "{}".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(insertAll(List.of(new StoredTraceEvent(unique("msg"), "u", "routed", "upstream-router",
                Instant.now(), "{}", source, 0, 2)))).isEqualTo(1);
        TopicPartition partition = new TopicPartition(source, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = assignedConsumer(partition)) {
            progressAssignment.onPartitionsAssigned(consumer, List.of(partition));
            assertThat(consumer.position(partition)).as("offset 2 stored: next is 3").isEqualTo(3);

            jdbc.sql("DELETE FROM trace_progress WHERE src_topic = :t").param("t", source).update();
            progressAssignment.onPartitionsAssigned(consumer, List.of(partition));
            assertThat(consumer.position(partition)).as("stored before, progress gone: from its start").isZero();
        }
    }

    @Test
    void theEventsOfAMessageInOneBatchAreOneRow() {
        String m = unique("msg");
        String other = unique("msg");
        String source = unique("trace-source");
        Instant at = Instant.parse("2026-11-29T02:00:00.100Z");
        assertThat(insertAll(List.of(
                new StoredTraceEvent(m, "u", "routed", "upstream-router", at, "{\"seq\":1}", source, 0, 0),
                new StoredTraceEvent(other, "u", "routed", "upstream-router", at, "{}", source, 0, 1),
                new StoredTraceEvent(m, "u", "delivered", "downstream-dispatcher", at.plusMillis(3),
                        "{\"records\":2}", source, 0, 2),
                // Same time as the delivered before it: listed in the order read.
                new StoredTraceEvent(m, "u", "push_task", "downstream-dispatcher", at.plusMillis(3), "{}", source, 0,
                        3),
                new StoredTraceEvent(m, "v", "routed", "upstream-router", at, "{}", source, 0, 4)))).isEqualTo(5);
        assertThat(jdbc.sql("SELECT count(*) FROM trace_message_events WHERE message_id = :m").param("m", m)
                .query(Long.class).single()).as("one row for (u, m), one for (v, m)").isEqualTo(2);
        List<TraceRow> rows = traces.of("u", m);
        assertThat(rows).extracting(TraceRow::stage).containsExactly("routed", "delivered", "push_task");
        assertThat(rows).extracting(TraceRow::at).containsExactly(at, at.plusMillis(3), at.plusMillis(3));
        assertThat(rows.get(0).detail()).isEqualTo(Map.of("seq", 1));
        assertThat(rows.get(1).app()).isEqualTo("downstream-dispatcher");
        assertThat(traces.of(m)).extracting(TraceRow::fromUserId).containsExactly("u", "u", "u", "v");
    }

    /** The dispatcher's delivered event carries the push tasks of the same routed record: listed right after it. */
    @Test
    void aPushTaskCarriedByADeliveredEventIsAStageOfItsOwn() {
        String m = unique("msg");
        long t = System.currentTimeMillis();
        sendTrace(new TraceEvent(m, "u", TraceStage.ROUTED, "upstream-router", t, Map.of("seq", 1)));
        sendTrace(new TraceEvent(m, "u", TraceStage.DELIVERED, "downstream-dispatcher", t + 4, Map.of("records", 2,
                "push_task", Map.of("tasks", 1, "users", 3))));
        sendTrace(new TraceEvent(m, "u", TraceStage.DELIVERED, "downstream-dispatcher", t + 4, Map.of("records", 1)));

        JsonNode trace = awaitTrace("u", m, 4);
        assertThat(stageNames(trace)).containsExactly("routed", "delivered", "push_task", "delivered");
        JsonNode carrier = trace.get("stages").get(1);
        assertThat(carrier.get("detail").has("push_task")).as("listed without it").isFalse();
        assertThat(carrier.get("detail").get("records").asInt()).isEqualTo(2);
        JsonNode push = trace.get("stages").get(2);
        assertThat(push.get("app").asString()).isEqualTo("downstream-dispatcher");
        assertThat(push.get("at").asString()).isEqualTo(carrier.get("at").asString());
        assertThat(push.get("detail").get("users").asInt()).isEqualTo(3);
        assertThat(push.get("detail").get("tasks").asInt()).isEqualTo(1);
    }

    /**
     * A single chat's routed stage rides in the dispatcher's event of the recipient's copy ({@code RoutedHeader}),
     * and carries the admission in turn: listed as accepted, routed and delivered (and push_task) at their own times,
     * each told once. Not in the router's form (no app or time): listed as stored.
     */
    @Test
    void aRoutedStageCarriedByTheDispatchersEventIsShownAsTheRoutersStageWithItsAdmission() {
        String m = unique("msg");
        long t = 1_795_856_400_000L;
        Map<String, Object> routed = Map.of("app", "upstream-router", "at", t + 2, "seq", 9, "partitions", List.of(4),
                "accepted", Map.of("at", t + 1, "partition", 0, "offset", 77));
        sendTrace(new TraceEvent(m, "u1", TraceStage.DELIVERED, "downstream-dispatcher", t + 6, Map.of("records", 1,
                "routed", routed, "push_task", Map.of("tasks", 1, "users", 1))));
        sendTrace(new TraceEvent(m, "u2", TraceStage.PUSH_TASK, "downstream-dispatcher", t + 6, Map.of("tasks", 1,
                "users", 1, "routed", routed)));
        sendTrace(new TraceEvent(m, "u3", TraceStage.DELIVERED, "downstream-dispatcher", t + 6, Map.of("routed",
                Map.of("seq", 1))));

        JsonNode trace = awaitTrace("u1", m, 4);
        assertThat(stageNames(trace)).containsExactly("accepted", "routed", "delivered", "push_task");
        JsonNode accepted = trace.get("stages").get(0);
        assertThat(accepted.get("app").asString()).isEqualTo("upstream-router");
        assertThat(accepted.get("at").asString()).isEqualTo("2026-11-28T09:00:00.001Z");
        assertThat(accepted.get("detail").get("offset").asLong()).isEqualTo(77);
        JsonNode routedStage = trace.get("stages").get(1);
        assertThat(routedStage.get("app").asString()).isEqualTo("upstream-router");
        assertThat(routedStage.get("at").asString()).isEqualTo("2026-11-28T09:00:00.002Z");
        assertThat(routedStage.get("detail").get("seq").asInt()).isEqualTo(9);
        assertThat(routedStage.get("detail").get("partitions").get(0).asInt()).isEqualTo(4);
        assertThat(routedStage.get("detail").has("accepted")).as("told once, as its own stage").isFalse();
        assertThat(routedStage.get("detail").has("app")).isFalse();
        assertThat(routedStage.get("detail").has("at")).isFalse();
        JsonNode delivered = trace.get("stages").get(2);
        assertThat(delivered.get("app").asString()).isEqualTo("downstream-dispatcher");
        assertThat(delivered.get("detail").has("routed")).as("listed without it").isFalse();
        assertThat(delivered.get("detail").get("records").asInt()).isEqualTo(1);

        assertThat(stageNames(awaitTrace("u2", m, 3))).containsExactly("accepted", "routed", "push_task");
        JsonNode unlike = awaitTrace("u3", m, 1);
        assertThat(stageNames(unlike)).containsExactly("delivered");
        assertThat(unlike.get("stages").get(0).get("detail").get("routed").get("seq").asInt()).isEqualTo(1);
    }

    /**
     * The topic's events are in unlogged tables, which PostgreSQL's crash recovery empties (TRUNCATE does to them
     * what it does): the next record of a partition the store has stored before finds no progress, and the listener
     * reads that partition again from its start. The dlq-handler's own stages are logged: they exist nowhere else.
     */
    @Test
    void aTraceStoreEmptiedByCrashRecoveryIsRebuiltFromTheTopic() {
        assertThat(jdbc.sql("SELECT relname || ':' || relpersistence::text FROM pg_class WHERE relname IN "
                        + "('trace_message_events', 'trace_progress', 'trace_events', 'trace_sources') ORDER BY 1")
                .query(String.class).list())
                .containsExactly("trace_events:p", "trace_message_events:u", "trace_progress:u", "trace_sources:p");
        String m = unique("msg");
        long t = System.currentTimeMillis();
        sendTrace(new TraceEvent(m, "u", TraceStage.ROUTED, "upstream-router", t, Map.of("seq", 5)));
        sendTrace(new TraceEvent(m, "u", TraceStage.DELIVERED, "downstream-dispatcher", t + 2, Map.of()));
        awaitTrace("u", m, 2);
        double rebuildsBefore = meters.counter(TraceCaptureListener.REBUILDS).count();

        jdbc.sql("TRUNCATE trace_message_events, trace_progress").update();
        assertThat(traces.of("u", m)).isEmpty();
        // The next record of the same partition (same key).
        String next = unique("msg");
        send(new ProducerRecord<>(traceTopic(), m, WireJson.toBytes(
                new TraceEvent(next, "u", TraceStage.ROUTED, "upstream-router", t + 5, Map.of()))));

        awaitTrace("u", next, 1);
        JsonNode again = awaitTrace("u", m, 2);
        assertThat(stageNames(again)).as("stored again, once").containsExactly("routed", "delivered");
        assertThat(meters.counter(TraceCaptureListener.REBUILDS).count() - rebuildsBefore).isEqualTo(1.0);
    }

    /** An id with a '/' cannot be a path segment (the server refuses %2F there); the query form takes it. */
    @Test
    void anIdWithASlashIsFoundByQuery() {
        String m = unique("group/42:msg");
        String source = unique("trace-source");
        Instant at = Instant.now();
        insertAll(List.of(
                new StoredTraceEvent(m, "u/1", "accepted", "upstream-router", at, "{}", source, 0, 0),
                new StoredTraceEvent(m, "u2", "accepted", "upstream-router", at, "{}", source, 0, 1)));

        Response one = get("/api/v1/trace?message_id=" + m + "&from_user_id=u/1");
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.body().get("message_id").asString()).isEqualTo(m);
        assertThat(stageNames(one.body())).containsExactly("accepted");

        Response all = get("/api/v1/trace?message_id=" + m);
        assertThat(all.status()).isEqualTo(200);
        assertThat(all.body().get("senders")).extracting(s -> s.get("from_user_id").asString())
                .containsExactly("u/1", "u2");

        assertThat(get("/api/v1/trace?message_id=" + unique("unknown")).status()).isEqualTo(404);
        Response noId = get("/api/v1/trace?from_user_id=u2");
        assertThat(noId.status()).as("no message id").isEqualTo(400);
        assertThat(noId.body().get("error").asString()).isEqualTo("MISSING_FIELD");
        assertThat(noId.body().get("detail").asString()).contains("message_id");
    }

    /**
     * A batch travels as COPY text: tabs, newlines, carriage returns and backslashes (COPY's separators and escapes),
     * quotes, braces and NULL-looking text (backslash-N, COPY's null marker) survive, in ids and in the detail's own
     * whitespace.
     */
    @Test
    void aBatchStoresEveryValueAsItWas() {
        String m = unique("msg, \"quoted\" {braced} \\ \\N \t tab \r\n 消息 NULL");
        String user = "u,{\"NULL\"}\\N\t";
        Instant at = Instant.parse("2026-11-28T09:00:00.123Z"); // epoch ms, as on the wire
        String detail = "{\"reason\": \"a \\\"b\\\", {c} \\\\ d \\t \\\\N\",\n\t\"n\":\r\n 1}";
        List<StoredTraceEvent> batch = List.of(
                new StoredTraceEvent(m, user, "accepted", "upstream-router", at, detail, unique("trace-source"), 2, 7),
                new StoredTraceEvent(m, user, "routed", APP, at.plusMillis(1), "{}", unique("trace-source"), 2, 8));
        assertThat(insertAll(batch)).isEqualTo(2);

        List<TraceRow> rows = traces.of(user, m);
        assertThat(rows).extracting(TraceRow::stage).containsExactly("accepted", "routed");
        assertThat(rows).extracting(TraceRow::messageId).containsOnly(m);
        assertThat(rows).extracting(TraceRow::fromUserId).containsOnly(user);
        assertThat(rows.get(0).at()).isEqualTo(at);
        assertThat(rows.get(0).detail()).containsEntry("reason", "a \"b\", {c} \\ d \t \\N").containsEntry("n", 1);
        assertThat(rows.get(1).app()).isEqualTo(APP);
    }

    /** An app name as hostile as an id: JSON's quote and escapes, COPY's tab and backslash. */
    private static final String APP = "NULL \"app\" \\N \t";

    @Test
    void aDeadLetterOfAMessageAppearsInItsTrace() {
        String original = unique("im-upstream-topic");
        String dlq = createWithDeadLetterTopic(original);
        String m = unique("msg");
        byte[] value = ("{\"message_id\":\"" + m + "\",\"from_user_id\":\"u7\",\"conversation_id\":\"c1\"}")
                .getBytes(StandardCharsets.UTF_8);
        sendDeadLetter(dlq, original, 5, "u7", value, ReasonCode.UNKNOWN_GROUP, Map.of());
        // A dead letter without a message identity leaves no trace (and is stored all the same).
        sendDeadLetter(dlq, original, 6, "u7", "not json".getBytes(StandardCharsets.UTF_8),
                ReasonCode.MALFORMED_JSON, Map.of());
        awaitStored(dlq, 2);

        JsonNode trace = awaitTrace("u7", m, 1);
        JsonNode dead = trace.get("stages").get(0);
        assertThat(dead.get("stage").asString()).isEqualTo("dead_lettered");
        assertThat(dead.get("app").asString()).isEqualTo("dlq-handler");
        assertThat(dead.get("detail").get("stage").asString()).isEqualTo("upstream-router");
        assertThat(dead.get("detail").get("reason").asString()).isEqualTo("UNKNOWN_GROUP");
        assertThat(dead.get("detail").get("original_topic").asString()).isEqualTo(original);
        long id = dead.get("detail").get("dead_letter_id").asLong();
        assertThat(jdbc.sql("SELECT message_id FROM dead_letters WHERE id = :id").param("id", id)
                .query(String.class).single()).isEqualTo(m);

        assertThat(postAs("alice", "/api/v1/dead-letters/" + id + "/replay", null).status()).isEqualTo(200);
        assertThat(post("/api/v1/dead-letters/discard", Map.of("original_topic", original)).body()
                .get("discarded").asInt()).isEqualTo(2);

        JsonNode after = awaitTrace("u7", m, 3);
        assertThat(stageNames(after)).containsExactly("dead_lettered", "replayed", "discarded");
        JsonNode replayed = after.get("stages").get(1).get("detail");
        assertThat(replayed.get("dead_letter_id").asLong()).isEqualTo(id);
        assertThat(replayed.get("actor").asString()).isEqualTo("alice");
        assertThat(after.get("stages").get(2).get("detail").get("actor").asString()).isEqualTo("api");
        assertThat(jdbc.sql("SELECT count(*) FROM trace_events WHERE detail->>'dead_letter_id' IN "
                        + "(SELECT id::text FROM dead_letters WHERE dlq_topic = :t)").param("t", dlq)
                .query(Long.class).single()).as("nothing for the letter without a message id").isEqualTo(3);
    }

    /**
     * The dispatcher keeps the router's {@code routed} header on a dead letter of the routed record that carried it
     * (docs/dlq-handler.md "Fewer records than stages"); the {@code dead_lettered} event takes it in, so the message
     * still shows where it was routed, and once the replayed record's {@code delivered} carries it again it is one
     * stage, not two. A header that does not read adds nothing.
     */
    @Test
    void aDeadLetteredCarrierShowsTheRoutedStageItCarriedOnce() {
        String original = unique("im-routed-topic");
        String dlq = createWithDeadLetterTopic(original);
        String m = unique("msg");
        long t = 1_795_856_400_000L;
        Map<String, Object> routed = Map.of("app", "upstream-router", "at", t + 2, "seq", 9, "partitions", List.of(4),
                "accepted", Map.of("at", t + 1, "partition", 0, "offset", 77));
        byte[] value = ("{\"message_id\":\"" + m + "\",\"from_user_id\":\"u8\",\"conversation_id\":\"c1\"}")
                .getBytes(StandardCharsets.UTF_8);
        sendDeadLetter(dlq, original, 5, "u9", value, ReasonCode.PROCESSING_ERROR,
                Map.of(RoutedHeader.HEADER, WireJson.mapper().writeValueAsString(routed)));
        String unreadable = unique("msg");
        sendDeadLetter(dlq, original, 6, "u9", ("{\"message_id\":\"" + unreadable + "\",\"from_user_id\":\"u8\"}")
                .getBytes(StandardCharsets.UTF_8), ReasonCode.PROCESSING_ERROR,
                Map.of(RoutedHeader.HEADER, "{\"seq\":1}"));
        // Reads, but PostgreSQL could not store it: the letter is stored and traced without it.
        String unstorable = unique("msg");
        sendDeadLetter(dlq, original, 7, "u9", ("{\"message_id\":\"" + unstorable + "\",\"from_user_id\":\"u8\"}")
                .getBytes(StandardCharsets.UTF_8), ReasonCode.PROCESSING_ERROR,
                Map.of(RoutedHeader.HEADER, "{\"app\":\"upstream-router\",\"at\":1,\"note\":[\"\\u0000\"]}"));
        awaitStored(dlq, 3);

        JsonNode trace = awaitTrace("u8", m, 3);
        assertThat(stageNames(trace)).containsExactly("accepted", "routed", "dead_lettered");
        JsonNode routedStage = trace.get("stages").get(1);
        assertThat(routedStage.get("app").asString()).isEqualTo("upstream-router");
        assertThat(routedStage.get("at").asString()).isEqualTo("2026-11-28T09:00:00.002Z");
        assertThat(routedStage.get("detail").get("seq").asInt()).isEqualTo(9);
        JsonNode dead = trace.get("stages").get(2);
        assertThat(dead.get("detail").has("routed")).as("listed without it").isFalse();
        assertThat(dead.get("detail").get("original_topic").asString()).isEqualTo(original);
        assertThat(stageNames(awaitTrace("u8", unreadable, 1))).containsExactly("dead_lettered");
        assertThat(stageNames(awaitTrace("u8", unstorable, 1))).containsExactly("dead_lettered");
        assertThat(jdbc.sql("SELECT count(*) FROM dead_letters WHERE dlq_topic = :t AND capture_error IS NULL")
                .param("t", dlq).query(Long.class).single()).as("every letter stored in full").isEqualTo(3);

        // Replayed, the record carries it again into the dispatcher's event.
        sendTrace(new TraceEvent(m, "u8", TraceStage.DELIVERED, "downstream-dispatcher", Instant.now().toEpochMilli(),
                Map.of("records", 1, "routed", routed)));
        JsonNode after = awaitTrace("u8", m, 4);
        assertThat(stageNames(after)).containsExactly("accepted", "routed", "dead_lettered", "delivered");
    }

    @Test
    void replayByFilterTracesEachReplayedLetter() {
        String original = unique("im-routed-topic");
        String dlq = createWithDeadLetterTopic(original);
        String m = unique("msg");
        for (int i = 0; i < 2; i++) {
            sendDeadLetter(dlq, original, i, "k", ("{\"message_id\":\"" + m + "\",\"from_user_id\":\"s" + i + "\"}")
                    .getBytes(StandardCharsets.UTF_8), ReasonCode.PROCESSING_ERROR, Map.of());
        }
        awaitStored(dlq, 2);
        assertThat(postAs("bob", "/api/v1/dead-letters/replay", Map.of("original_topic", original)).body()
                .get("replayed").asInt()).isEqualTo(2);
        JsonNode all = get("/api/v1/trace/" + m).body();
        assertThat(all.get("senders")).hasSize(2);
        all.get("senders").forEach(s -> {
            assertThat(stageNames(s)).containsExactly("dead_lettered", "replayed");
            assertThat(s.get("stages").get(1).get("detail").get("actor").asString()).isEqualTo("bob");
        });
    }

    @Test
    void withTraceOffTheDlqHandlerWritesNoStagesOfItsOwn() {
        String m = unique("msg");
        String dlqTopic = unique("off-topic-dlq");
        long id = jdbc.sql("""
                INSERT INTO dead_letters (dlq_topic, dlq_partition, dlq_offset, headers, failed_at, message_id,
                    from_user_id, original_topic)
                VALUES (:t, 0, 0, '[]'::jsonb, now(), :m, 'u', 'x') RETURNING id
                """).param("t", dlqTopic).param("m", m).query(Long.class).single();
        TraceRepository off = new TraceRepository(namedJdbc, new TraceProperties(false), storeSettings);
        off.deadLettered(List.of(new TraceRepository.DlqCoordinates(dlqTopic, 0, 0, null)));
        off.operatorAction(TraceStage.REPLAYED, List.of(id), "alice", Instant.now());
        deadLetters.discardAll(new DeadLetterFilter(null, null, null, null, null, null, null, m, null, null, null),
                Instant.now(), "alice", off.ownStages());
        assertThat(traces.of("u", m)).as("im.trace.enabled=false").isEmpty();

        traces.operatorAction(TraceStage.REPLAYED, List.of(id), "alice", Instant.now());
        assertThat(traces.of("u", m)).as("on: the same call writes its row").hasSize(1);
    }

    /**
     * The task-worker's tables, as its migrations make them (V1, V2), with the columns the trace reads; created and
     * dropped by the one test that needs them (the other tests run without them, as a dlq-handler on a database of
     * its own would).
     */
    private static final String WORKER_TABLES = """
            CREATE TABLE messages (message_id VARCHAR(128) NOT NULL, from_user_id VARCHAR(128) NOT NULL,
                conversation_id VARCHAR(128) NOT NULL, seq BIGINT NOT NULL,
                stored_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (message_id, from_user_id));
            CREATE TABLE push_notifications (from_user_id VARCHAR(128) NOT NULL, message_id VARCHAR(128) NOT NULL,
                user_id VARCHAR(128) NOT NULL, provider VARCHAR(32) NOT NULL, status VARCHAR(16) NOT NULL,
                attempts INT NOT NULL DEFAULT 0, last_error VARCHAR(1024),
                updated_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (from_user_id, message_id, user_id));
            """;

    @Test
    void persistedAndPushedAreReadFromTheWorkersTablesWhenTheyAreThere() {
        String m = unique("msg");
        long t = 1_795_856_400_000L;
        sendTrace(new TraceEvent(m, "u1", TraceStage.ROUTED, "upstream-router", t, Map.of("seq", 4)));
        sendTrace(new TraceEvent(m, "u2", TraceStage.ROUTED, "upstream-router", t, Map.of("seq", 9)));
        assertThat(stageNames(awaitTrace("u1", m, 1))).as("without the worker's tables: the events only")
                .containsExactly("routed");
        try {
            jdbc.sql(WORKER_TABLES).update();
            jdbc.sql("""
                    INSERT INTO messages (message_id, from_user_id, conversation_id, seq, stored_at) VALUES
                        (:m, 'u1', 'c1', 4, :persisted), (:m, 'u2', 'c2', 9, :persisted), (:other, 'u1', 'c1', 5, now())
                    """).param("m", m).param("other", m + "-other")
                    .param("persisted", java.sql.Timestamp.from(Instant.ofEpochMilli(t + 30))).update();
            jdbc.sql("""
                    INSERT INTO push_notifications (from_user_id, message_id, user_id, provider, status, attempts,
                                                    last_error, updated_at) VALUES
                        ('u1', :m, 'a', 'log', 'SENT', 1, NULL, :first),
                        ('u1', :m, 'b', 'log', 'REJECTED', 1, 'token expired', :last),
                        ('u1', :m, 'c', 'log', 'SENT', 2, NULL, :first),
                        ('u3', :m, 'a', 'log', 'SENT', 1, NULL, :first)
                    """).param("m", m).param("first", java.sql.Timestamp.from(Instant.ofEpochMilli(t + 40)))
                    .param("last", java.sql.Timestamp.from(Instant.ofEpochMilli(t + 50))).update();

            JsonNode u1 = get("/api/v1/trace/u1/" + m).body();
            assertThat(stageNames(u1)).containsExactly("routed", "persisted", "pushed");
            JsonNode persisted = u1.get("stages").get(1);
            assertThat(persisted.get("app").asString()).isEqualTo("task-worker");
            assertThat(persisted.get("at").asString()).isEqualTo("2026-11-28T09:00:00.030Z");
            assertThat(persisted.get("detail").get("seq").asLong()).isEqualTo(4);
            assertThat(persisted.get("detail").get("conversation_id").asString()).isEqualTo("c1");
            assertThat(persisted.get("detail").get("from").asString()).isEqualTo("messages");
            JsonNode pushed = u1.get("stages").get(2);
            assertThat(pushed.get("at").asString()).as("the ledger's last change").isEqualTo("2026-11-28T09:00:00.050Z");
            assertThat(pushed.get("detail").get("users").asInt()).isEqualTo(3);
            assertThat(pushed.get("detail").get("sent").asInt()).isEqualTo(2);
            assertThat(pushed.get("detail").get("rejected").asInt()).isEqualTo(1);
            assertThat(pushed.get("detail").get("result").asString()).isEqualTo("rejected");
            assertThat(pushed.get("detail").get("reason").asString()).isEqualTo("token expired");
            assertThat(pushed.get("detail").get("attempts").asInt()).isEqualTo(2);
            assertThat(pushed.get("detail").get("provider").asString()).isEqualTo("log");

            JsonNode all = get("/api/v1/trace/" + m).body();
            assertThat(all.get("senders")).extracting(s -> s.get("from_user_id").asString())
                    .as("every sender a row knows of; u3's pushes alone name no sender the search starts from")
                    .containsExactly("u1", "u2");
            assertThat(stageNames(all.get("senders").get(0))).containsExactly("routed", "persisted", "pushed");
            assertThat(stageNames(all.get("senders").get(1))).containsExactly("routed", "persisted");
            assertThat(get("/api/v1/trace/u9/" + m).status()).as("nobody else's rows").isEqualTo(404);

            TraceRepository off = new TraceRepository(namedJdbc, new TraceProperties(true),
                    withHistoryStages(false));
            assertThat(off.of("u1", m)).extracting(TraceRow::stage).as("im.dlq.trace.history-stages=false")
                    .containsExactly("routed");
        } finally {
            jdbc.sql("DROP TABLE IF EXISTS messages, push_notifications").update();
        }
    }

    private TraceStoreProperties withHistoryStages(boolean on) {
        TraceStoreProperties s = storeSettings;
        return new TraceStoreProperties(s.groupId(), s.concurrency(), s.maxPollRecords(), s.pollTimeout(),
                s.fetchMaxWait(), s.fetchMinBytes(), s.retryInitial(), s.retryMax(), s.retention(),
                s.cleanupInterval(), s.cleanupBatch(), s.maxDetailBytes(), s.logInterval(), on);
    }

    @Test
    void traceRowsPastRetentionAreDeleted() {
        String m = unique("msg");
        Instant now = Instant.now();
        String source = unique("trace-source");
        // Two batches: two rows. The events of one batch share a row, kept until the last of them is past retention.
        insertAll(List.of(new StoredTraceEvent(m, "u", "accepted", "upstream-router",
                now.minus(Duration.ofDays(4)), "{}", source, 0, 1_000_001)));
        insertAll(List.of(new StoredTraceEvent(m, "u", "routed", "upstream-router",
                now.minus(Duration.ofDays(2)), "{}", source, 0, 1_000_002)));
        String own = unique("msg");
        jdbc.sql("INSERT INTO trace_events (message_id, from_user_id, stage, app, at) VALUES (:m, 'u', 'replayed', "
                + "'dlq-handler', now() - interval '4 days'), (:m, 'u', 'discarded', 'dlq-handler', now())")
                .param("m", own).update();
        retention.run();
        assertThat(traces.of("u", m)).extracting(r -> r.stage()).as("retention 3 days").containsExactly("routed");
        assertThat(traces.of("u", own)).extracting(r -> r.stage()).as("the handler's own stages too")
                .containsExactly("discarded");
    }
}
