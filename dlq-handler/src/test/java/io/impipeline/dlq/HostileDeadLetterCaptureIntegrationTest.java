package io.impipeline.dlq;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.impipeline.dlq.capture.DeadLetterMetrics;
import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.testkit.KafkaTestClients;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 12: whatever a dead letter contains, the capture stores it (losslessly) and goes on with the next one.
 * Every test sends a plain dead letter AFTER the hostile one and expects it stored too.
 */
class HostileDeadLetterCaptureIntegrationTest extends DlqIntegrationSupport {

    private static final int MIB = 1024 * 1024;
    private static KafkaProducer<byte[], byte[]> bytes;

    @Autowired
    MeterRegistry meters;

    @BeforeAll
    static void openBytesProducer(@Autowired EmbeddedKafkaBroker broker) {
        bytes = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * MIB,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    }

    @AfterAll
    static void closeBytesProducer() {
        bytes.close();
    }

    @Test
    void nulInAHeaderNameNeitherBlocksTheCaptureNorLosesTheName() {
        String original = unique("im-upstream-topic");
        String dlq = createWithDeadLetterTopic(original);
        RecordHeaders headers = new RecordHeaders();
        headers.add("x-\0-name", utf8("not json"));
        stamp(headers, original, 3, ReasonCode.MALFORMED_JSON, "Unexpected character 'n'");
        sendBytes(dlq, utf8("user_1"), utf8("not json"), headers);
        sendDeadLetter(dlq, original, 4, "user_2", utf8("{}"), ReasonCode.MISSING_FIELD, Map.of());

        awaitStored(dlq, 2);
        JsonNode detail = get("/api/v1/dead-letters/" + idAt(dlq, 0)).body();
        JsonNode header = detail.get("headers").get(0);
        assertThat(header.get("name").asString()).isEqualTo("x-\uFFFD-name");
        assertThat(new String(Base64.getDecoder().decode(header.get("name_base64").asString()),
                StandardCharsets.UTF_8)).isEqualTo("x-\0-name");
        assertThat(header.get("value").asString()).isEqualTo("not json");
        assertThat(detail.get("headers").get(1).has("name_base64")).as("only where needed").isFalse();
        assertThat(detail.get("reason").asString()).isEqualTo("MALFORMED_JSON");
        assertThat(detail.get("value").asString()).isEqualTo("not json");

        Response replayed = post("/api/v1/dead-letters/" + idAt(dlq, 0) + "/replay", null);
        assertThat(replayed.status()).isEqualTo(200);
        ConsumerRecord<String, byte[]> r = KafkaTestClients.readAtLeast(broker.getBrokersAsString(), original, 1,
                WAIT).get(0);
        assertThat(r.headers().lastHeader("x-\0-name").value()).as("the exact name is sent back")
                .isEqualTo(utf8("not json"));
    }

    @Test
    void nulInAKeyAndAHeaderValueIsKeptAsBytesAndShownAsBase64() {
        String dlq = unique("im-routed-topic") + "-dlq";
        createTopics(1, dlq);
        byte[] key = utf8("user\0_1");
        RecordHeaders headers = new RecordHeaders();
        headers.add("h", utf8("a\0b"));
        stamp(headers, "im-routed-topic", 1, ReasonCode.INVALID_FIELD, "bad\0message");
        sendBytes(dlq, key, utf8("{\"message_id\":\"m\\u0000\",\"from_user_id\":\"u\"}"), headers);
        sendDeadLetter(dlq, "im-routed-topic", 2, "after", utf8("{}"), ReasonCode.INVALID_FIELD, Map.of());

        awaitStored(dlq, 2);
        Map<String, Object> row = jdbc.sql("SELECT record_key, key_text, exception_message, message_id, from_user_id "
                + "FROM dead_letters WHERE dlq_topic = :t AND dlq_offset = 0").param("t", dlq).query().singleRow();
        assertThat((byte[]) row.get("record_key")).isEqualTo(key);
        assertThat(row.get("key_text")).isNull();
        assertThat(row.get("exception_message")).isEqualTo("bad\uFFFDmessage");
        assertThat(row.get("message_id")).as("NUL inside the JSON string: not storable, not taken").isNull();
        assertThat(row.get("from_user_id")).isEqualTo("u");

        JsonNode detail = get("/api/v1/dead-letters/" + idAt(dlq, 0)).body();
        assertThat(detail.get("key").isNull()).isTrue();
        assertThat(Base64.getDecoder().decode(detail.get("key_base64").asString())).isEqualTo(key);
        JsonNode h = detail.get("headers").get(0);
        assertThat(h.get("value").isNull()).as("not text: no value, the bytes instead").isTrue();
        assertThat(Base64.getDecoder().decode(h.get("base64").asString())).isEqualTo(utf8("a\0b"));
        JsonNode item = get("/api/v1/dead-letters?original_topic=im-routed-topic&from_user_id=u").body()
                .get("items").get(0);
        assertThat(Base64.getDecoder().decode(item.get("key_base64").asString())).isEqualTo(key);
    }

    @Test
    void invalidUtf8InKeyValueAndDeadLetterHeadersIsKeptAsBytes() {
        String dlq = unique("im-task-topic") + "-dlq";
        createTopics(1, dlq);
        byte[] key = {(byte) 0xC3, 0x28};
        byte[] value = {(byte) 0xFF, (byte) 0xFE, 0, '{'};
        byte[] reason = {'B', 'A', 'D', (byte) 0xFF};
        RecordHeaders headers = new RecordHeaders();
        headers.add(ImHeaders.DLT_STAGE, new byte[] {'w', 0, (byte) 0x80});
        headers.add(ImHeaders.DLT_REASON, reason);
        headers.add(KafkaHeaders.DLT_ORIGINAL_TOPIC, new byte[] {'t', (byte) 0xC0, 0});
        headers.add(KafkaHeaders.DLT_EXCEPTION_MESSAGE, new byte[] {(byte) 0xE2, (byte) 0x82});
        sendBytes(dlq, key, value, headers);
        sendDeadLetter(dlq, "im-task-topic", 2, "after", utf8("{}"), ReasonCode.RETRIES_EXHAUSTED, Map.of());

        awaitStored(dlq, 2);
        Map<String, Object> row = jdbc.sql("SELECT * FROM dead_letters WHERE dlq_topic = :t AND dlq_offset = 0")
                .param("t", dlq).query().singleRow();
        assertThat((byte[]) row.get("record_key")).isEqualTo(key);
        assertThat((byte[]) row.get("value")).isEqualTo(value);
        assertThat(row.get("value_text")).isNull();
        assertThat(row.get("reason")).isEqualTo("BAD\uFFFD");
        assertThat((String) row.get("stage")).startsWith("w\uFFFD");
        assertThat((String) row.get("original_topic")).startsWith("t\uFFFD");
        JsonNode stored = get("/api/v1/dead-letters/" + row.get("id")).body().get("headers");
        assertThat(Base64.getDecoder().decode(stored.get(1).get("base64").asString())).isEqualTo(reason);
        assertThat(meters.find(DeadLetterMetrics.STORED).tags("topic", dlq, "reason", "INVALID").counter().count())
                .as("a reason that is not a code is tagged INVALID").isEqualTo(1.0);
    }

    @Test
    void largeRecordsAreStoredWhole() {
        String dlq = unique("im-upstream-topic") + "-dlq";
        createTopic(dlq, 1, Map.of("max.message.bytes", String.valueOf(8 * MIB)));
        byte[] bigValue = ("{\"message_id\":\"big\",\"content\":\"" + "x".repeat(MIB - 40) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        RecordHeaders a = new RecordHeaders();
        stamp(a, "im-upstream-topic", 1, ReasonCode.TOO_LARGE, "record too large");
        sendBytes(dlq, utf8("k1"), bigValue, a);

        RecordHeaders many = new RecordHeaders();
        for (int i = 0; i < 10_000; i++) {
            many.add("h-" + i, utf8("v-" + i));
        }
        stamp(many, "im-upstream-topic", 2, ReasonCode.INVALID_FIELD, "too many headers");
        sendBytes(dlq, utf8("k2"), utf8("{}"), many);

        byte[] hugeKey = "k".repeat(MIB / 2).getBytes(StandardCharsets.UTF_8);
        RecordHeaders huge = new RecordHeaders();
        stamp(huge, "im-upstream-topic", 3, ReasonCode.INVALID_FIELD, "m".repeat(200_000));
        huge.remove(ImHeaders.DLT_REASON);
        huge.add(ImHeaders.DLT_REASON, "R".repeat(100_000).getBytes(StandardCharsets.UTF_8));
        huge.remove(KafkaHeaders.DLT_ORIGINAL_TOPIC);
        huge.add(KafkaHeaders.DLT_ORIGINAL_TOPIC, "t".repeat(100_000).getBytes(StandardCharsets.UTF_8));
        sendBytes(dlq, hugeKey, utf8("{\"from_user_id\":\"" + "u".repeat(10_000) + "\"}"), huge);
        sendDeadLetter(dlq, "im-upstream-topic", 4, "after", utf8("{}"), ReasonCode.TOO_LARGE, Map.of());

        awaitStored(dlq, 4);
        List<Map<String, Object>> rows = jdbc.sql("""
                SELECT dlq_offset, octet_length(value) AS value_size, jsonb_array_length(headers) AS headers,
                       octet_length(record_key) AS key_size, length(key_text) AS key_text_size, message_id,
                       from_user_id, length(reason) AS reason_size, length(exception_message) AS message_size
                FROM dead_letters WHERE dlq_topic = :t ORDER BY dlq_offset""").param("t", dlq).query().listOfRows();
        assertThat(rows.get(0)).containsEntry("value_size", bigValue.length).containsEntry("message_id", "big");
        assertThat((Integer) rows.get(1).get("headers")).isGreaterThanOrEqualTo(10_000);
        assertThat(rows.get(2)).containsEntry("key_size", MIB / 2).containsEntry("key_text_size", MIB / 2);
        assertThat(rows.get(2).get("from_user_id")).as("an id that long is not an id").isNull();
        assertThat((Integer) rows.get(2).get("reason_size")).isLessThan(300);
        assertThat((Integer) rows.get(2).get("message_size")).isLessThan(9_000);
        assertThat(rows.get(3).get("dlq_offset")).isEqualTo(3L);
        assertThat(get("/api/v1/dead-letters/" + idAt(dlq, 1)).body().get("headers").size())
                .isGreaterThanOrEqualTo(10_000);
    }

    @Test
    void aRecordPostgresRefusesIsKeptAsItsCoordinatesAndOneRefusedEntirelyIsCountedAndSkipped() {
        String dlq = unique("im-routed-topic") + "-dlq";
        createTopics(1, dlq);
        // Stands for anything PostgreSQL may refuse in a record that the decoding did not foresee: offset 0 is
        // refused whatever is stored, offset 1 only in full.
        double lostBefore = meters.find(DeadLetterMetrics.UNSTORED).counter().count();
        try (Refusal refusal = refuseInserts("dead_letters", ("NEW.dlq_topic = '%s' AND (NEW.dlq_offset = 0 "
                + "OR NEW.dlq_offset = 1 AND NEW.reason IS DISTINCT FROM 'CAPTURE_FAILED')").formatted(dlq))) {
            for (int i = 0; i < 3; i++) {
                sendDeadLetter(dlq, "im-routed-topic", i, "k" + i, utf8("{}"), ReasonCode.PROCESSING_ERROR,
                        Map.of());
            }
            awaitStored(dlq, 2);
            await().atMost(WAIT).until(() -> meters.find(DeadLetterMetrics.UNSTORED).counter().count()
                    > lostBefore);
        }
        List<Map<String, Object>> rows = jdbc.sql("SELECT dlq_offset, reason, stage, capture_error, record_key "
                + "FROM dead_letters WHERE dlq_topic = :t ORDER BY dlq_offset").param("t", dlq).query().listOfRows();
        assertThat(rows).extracting(r -> r.get("dlq_offset")).containsExactly(1L, 2L);
        assertThat(rows.get(0)).containsEntry("reason", "CAPTURE_FAILED").containsEntry("stage", "dlq-handler");
        assertThat((String) rows.get(0).get("capture_error")).contains("refused by the test");
        assertThat((byte[]) rows.get(0).get("record_key")).isEqualTo(utf8("k1"));
        assertThat(rows.get(1)).containsEntry("reason", "PROCESSING_ERROR");
        assertThat(meters.find(DeadLetterMetrics.UNSTORED).counter().count()).isEqualTo(lostBefore + 1);
        assertThat(meters.find(DeadLetterMetrics.STORED).tags("topic", dlq, "reason", "CAPTURE_FAILED").counter()
                .count()).isEqualTo(1.0);

        JsonNode item = get("/api/v1/dead-letters?reason=CAPTURE_FAILED&limit=500").body().get("items");
        assertThat(item.findValuesAsString("capture_error")).anyMatch(e -> e.contains("refused by the test"));
    }

    @Test
    void deadLetterCountersExistFromStartUpForTheKnownReasons() {
        String metrics = RestClient.create("http://localhost:" + port).get().uri("/actuator/prometheus")
                .header("X-Service-Token", TOKEN).retrieve().body(String.class);
        for (String reason : List.of("MALFORMED_JSON", "RETRIES_EXHAUSTED", "UNKNOWN", "CAPTURE_FAILED")) {
            assertThat(metrics).containsPattern("im_dead_letters_total\\{[^}]*reason=\"" + reason
                    + "\"[^}]*topic=\"im-gateway-topic-dlq\"[^}]*} 0\\.0");
        }
        assertThat(metrics).containsPattern("(?m)^im_dead_letters_unstored_total(\\{[^}]*})? ");
    }

    private long idAt(String dlq, long offset) {
        return jdbc.sql("SELECT id FROM dead_letters WHERE dlq_topic = :t AND dlq_offset = :o").param("t", dlq)
                .param("o", offset).query(Long.class).single();
    }

    private static void stamp(RecordHeaders headers, String original, long offset, ReasonCode reason, String detail) {
        DeadLetterHeaders.stamp(headers, new DeadLetterHeaders.Origin(original, 0, offset, 1_700_000_000_000L),
                "upstream-router", reason, null, detail);
    }

    private static void sendBytes(String topic, byte[] key, byte[] value, RecordHeaders headers) {
        try {
            bytes.send(new ProducerRecord<>(topic, null, key, value, headers)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
