package io.impipeline.dlq;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.impipeline.dlq.capture.DeadLetterCaptureListener;
import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.platform.dlq.DeadLetterPublishers;
import io.impipeline.model.dlq.RejectedRecordException;
import io.impipeline.model.codec.Rejection;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.kafka.support.KafkaHeaders;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class DeadLetterCaptureIntegrationTest extends DlqIntegrationSupport {

    @Autowired
    KafkaListenerEndpointRegistry listeners;
    @Autowired
    MeterRegistry meters;

    @Test
    void deadLettersOfEveryReasonAreStoredOnceAlsoWhenConsumedTwice() throws Exception {
        String original = unique("im-upstream-topic");
        String dlq = createWithDeadLetterTopic(original);
        ReasonCode[] reasons = ReasonCode.values();
        for (int i = 0; i < reasons.length; i++) {
            sendDeadLetter(dlq, original, 100 + i, "user_" + i, ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8),
                    reasons[i], Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        }
        awaitStored(dlq, reasons.length);
        for (ReasonCode reason : reasons) {
            Long n = jdbc.sql("SELECT count(*) FROM dead_letters WHERE dlq_topic = :t AND reason = :r")
                    .param("t", dlq).param("r", reason.name()).query(Long.class).single();
            assertThat(n).as(reason.name()).isEqualTo(1);
            assertThat(counter(dlq, reason.name())).as("metric " + reason).isEqualTo(1.0);
        }

        consumeAgainFromTheStart(dlq, reasons.length);

        assertThat(storedCount(dlq)).isEqualTo(reasons.length);
        assertThat(counter(dlq, ReasonCode.TOO_LARGE.name())).isEqualTo(1.0);
    }

    @Test
    void deadLetterIsDecodedIntoColumnsAndHeaders() {
        String original = unique("im-routed-topic");
        String dlq = createWithDeadLetterTopic(original);
        byte[] value = "{\"message_id\":\"m1\"}".getBytes(StandardCharsets.UTF_8);
        sendDeadLetter(dlq, original, 42, "user_9", value, ReasonCode.MISSING_FIELD, Map.of("h1", "v1"));
        awaitStored(dlq, 1);

        Map<String, Object> row = jdbc.sql("SELECT * FROM dead_letters WHERE dlq_topic = :t").param("t", dlq)
                .query().singleRow();
        assertThat(row).containsEntry("original_topic", original).containsEntry("original_offset", 42L)
                .containsEntry("original_partition", 0).containsEntry("stage", "upstream-router")
                .containsEntry("reason", "MISSING_FIELD").containsEntry("key_text", "user_9")
                .containsEntry("value_text", "{\"message_id\":\"m1\"}").containsEntry("status", "NEW")
                .containsEntry("replay_count", 0)
                .containsEntry("exception_class", RejectedRecordException.class.getName())
                .containsEntry("exception_message", "MISSING_FIELD in field x");
        assertThat((byte[]) row.get("value")).isEqualTo(value);
        assertThat(row.get("original_timestamp").toString()).startsWith("2023-11-14");

        JsonNode one = get("/api/v1/dead-letters/" + row.get("id")).body();
        assertThat(one.get("failed_at").isString()).as("ISO-8601 times in answers").isTrue();
        assertThat(one.get("value").asString()).isEqualTo("{\"message_id\":\"m1\"}");
        JsonNode headers = one.get("headers");
        assertThat(headers.findValuesAsString("name")).contains("h1", KafkaHeaders.DLT_ORIGINAL_OFFSET,
                ImHeaders.DLT_REASON);
        for (JsonNode h : headers) {
            if (h.get("name").asString().equals(KafkaHeaders.DLT_ORIGINAL_OFFSET)) {
                assertThat(h.get("value").asLong()).isEqualTo(42L);
            }
            if (h.get("name").asString().equals("h1")) {
                assertThat(h.get("value").asString()).isEqualTo("v1");
            }
        }
    }

    @Test
    void storedDeadLettersAreCountedInPrometheus() {
        String dlq = unique("im-metric-topic") + "-dlq";
        createTopics(1, dlq);
        sendDeadLetter(dlq, "im-metric-topic", 1, "k", "x".getBytes(StandardCharsets.UTF_8),
                ReasonCode.MALFORMED_JSON, Map.of());
        awaitStored(dlq, 1);
        String metrics = org.springframework.web.client.RestClient.create("http://localhost:" + port).get()
                .uri("/actuator/prometheus").header("X-Service-Token", TOKEN).retrieve().body(String.class);
        assertThat(metrics).containsPattern("im_dead_letters_total\\{[^}]*reason=\"MALFORMED_JSON\"[^}]*topic=\""
                + java.util.regex.Pattern.quote(dlq) + "\"[^}]*} 1\\.0");
    }

    @Test
    void deadLetterWrittenBySpringKafkasRecovererIsStored() {
        String original = unique("im-task-topic");
        String dlq = createWithDeadLetterTopic(original);
        Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers", broker.getBrokersAsString(),
                "key.serializer", org.apache.kafka.common.serialization.StringSerializer.class,
                "value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class));
        DefaultKafkaProducerFactory<Object, Object> pf = new DefaultKafkaProducerFactory<>(props);
        KafkaTemplate<Object, Object> template = new KafkaTemplate<>(pf);
        try {
            var recoverer = DeadLetterPublishers.recoverer(template, "task-worker", "-dlq",
                    e -> ReasonCode.RETRIES_EXHAUSTED,
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
            recoverer.setFailIfSendResultIsError(true);
            ConsumerRecord<String, byte[]> failed = new ConsumerRecord<>(original, 0, 7L, 1_700_000_000_000L,
                    TimestampType.CREATE_TIME, 0, 0, "task-key", "{}".getBytes(StandardCharsets.UTF_8),
                    new RecordHeaders(), java.util.Optional.empty());
            recoverer.accept(failed, new RejectedRecordException(Rejection.of(ReasonCode.INVALID_FIELD, "bad")));
        } finally {
            pf.destroy();
        }
        awaitStored(dlq, 1);
        Map<String, Object> row = jdbc.sql("SELECT * FROM dead_letters WHERE dlq_topic = :t").param("t", dlq)
                .query().singleRow();
        assertThat(row).containsEntry("original_topic", original).containsEntry("original_offset", 7L)
                .containsEntry("stage", "task-worker").containsEntry("reason", "INVALID_FIELD");
    }

    @Test
    void aDeadLetterTopicCreatedAfterStartIsPickedUpWithoutRestart() {
        String dlq = unique("im-brand-new-topic") + "-dlq";
        createTopics(3, dlq);
        sendDeadLetter(dlq, "im-brand-new-topic", 1, "k", "x".getBytes(StandardCharsets.UTF_8),
                ReasonCode.PROCESSING_ERROR, Map.of());
        awaitStored(dlq, 1);
    }

    @Test
    void valueThatIsNotUtf8IsKeptAsBytesOnly() {
        String dlq = unique("im-upstream-topic") + "-dlq";
        createTopics(1, dlq);
        byte[] value = {(byte) 0xC3, (byte) 0x28, 0, 1, 2};
        sendDeadLetter(dlq, "im-upstream-topic", 5, null, value, ReasonCode.INVALID_ENCODING, Map.of());
        awaitStored(dlq, 1);
        Map<String, Object> row = jdbc.sql("SELECT value, value_text, key_text FROM dead_letters WHERE dlq_topic = :t")
                .param("t", dlq).query().singleRow();
        assertThat((byte[]) row.get("value")).isEqualTo(value);
        assertThat(row.get("value_text")).isNull();
        assertThat(row.get("key_text")).isNull();
    }

    @Test
    void recordsNotMatchingThePatternAreIgnored() {
        String other = unique("im-upstream-topic") + "-dlq-not";
        String dlq = unique("im-upstream-topic") + "-dlq";
        createTopics(1, other, dlq);
        sendDeadLetter(other, "x", 1, "k", "x".getBytes(StandardCharsets.UTF_8), ReasonCode.PROCESSING_ERROR, Map.of());
        sendDeadLetter(dlq, "x", 1, "k", "x".getBytes(StandardCharsets.UTF_8), ReasonCode.PROCESSING_ERROR, Map.of());
        awaitStored(dlq, 1);
        assertThat(storedCount(other)).isZero();
    }

    /** Stops the listener, rewinds its group on this topic to offset 0, starts it, waits until it re-read all. */
    private void consumeAgainFromTheStart(String dlq, int records) throws Exception {
        MessageListenerContainer container = listeners.getListenerContainer(DeadLetterCaptureListener.LISTENER_ID);
        container.stop();
        await().atMost(WAIT).until(() -> !container.isRunning());
        TopicPartition tp = new TopicPartition(dlq, 0);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.getBrokersAsString()))) {
            await().atMost(WAIT).ignoreExceptions().until(() -> {
                // Fails while the group still has the stopped member; retried until it has left.
                admin.alterConsumerGroupOffsets("im-dlq-handler", Map.of(tp, new OffsetAndMetadata(0)))
                        .all().get(5, TimeUnit.SECONDS);
                return true;
            });
            container.start();
            await().atMost(WAIT).until(() -> {
                OffsetAndMetadata committed = admin.listConsumerGroupOffsets("im-dlq-handler")
                        .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS).get(tp);
                return committed != null && committed.offset() >= records;
            });
        }
    }

    private double counter(String topic, String reason) {
        var c = meters.find(DeadLetterCaptureListener.METRIC).tags("topic", topic, "reason", reason).counter();
        return c == null ? 0 : c.count();
    }
}
