package io.impipeline.dlq.letter;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.model.dlq.DeadLetterHeaders.Origin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.support.KafkaHeaders;

import static org.assertj.core.api.Assertions.assertThat;

class CapturedDeadLetterTest {

    @Test
    void deadLetterHeadersAreDecodedIntoColumns() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("traceparent", "00-abc-def-01".getBytes(StandardCharsets.UTF_8));
        DeadLetterHeaders.stamp(headers, new Origin("im-upstream-topic", 4, 1234L, 1_000L), "upstream-router",
                ReasonCode.SCHEDULE_TOO_FAR, null, "deliver_at too far");

        CapturedDeadLetter d = CapturedDeadLetter.from(record(headers, "user_1".getBytes(StandardCharsets.UTF_8),
                "{}".getBytes(StandardCharsets.UTF_8)));

        assertThat(d.dlqTopic()).isEqualTo("im-upstream-topic-dlq");
        assertThat(d.dlqPartition()).isEqualTo(2);
        assertThat(d.dlqOffset()).isEqualTo(77L);
        assertThat(d.originalTopic()).isEqualTo("im-upstream-topic");
        assertThat(d.originalPartition()).isEqualTo(4);
        assertThat(d.originalOffset()).isEqualTo(1234L);
        assertThat(d.originalTimestamp().toEpochMilli()).isEqualTo(1_000L);
        assertThat(d.stage()).isEqualTo("upstream-router");
        assertThat(d.reason()).isEqualTo("SCHEDULE_TOO_FAR");
        assertThat(d.exceptionMessage()).isEqualTo("deliver_at too far");
        assertThat(d.failedAt().toEpochMilli()).isEqualTo(5_000L);
        assertThat(d.keyText()).isEqualTo("user_1");
        assertThat(d.valueText()).isEqualTo("{}");

        StoredHeader offset = d.headers().stream().filter(h -> h.name().equals(KafkaHeaders.DLT_ORIGINAL_OFFSET))
                .findFirst().orElseThrow();
        assertThat(offset.decoded()).isEqualTo(1234L);
        assertThat(offset.text()).isNull();
        assertThat(d.headers().get(0).text()).isEqualTo("00-abc-def-01");
        assertThat(d.headers().get(0).bytes()).isEqualTo("00-abc-def-01".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void recordWithoutDeadLetterHeadersStillDecodes() {
        CapturedDeadLetter d = CapturedDeadLetter.from(record(new RecordHeaders(), null, null));
        assertThat(d.originalTopic()).isNull();
        assertThat(d.reason()).isNull();
        assertThat(d.originalOffset()).isNull();
        assertThat(d.headers()).isEmpty();
        assertThat(d.value()).isNull();
        assertThat(d.valueText()).isNull();
    }

    @Test
    void textThatPostgresCannotStoreIsKeptAsBytesOnly() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("binary", new byte[] {(byte) 0xFF, 0});
        headers.add("im_dlt-reason", "PROCESSING\0ERROR".getBytes(StandardCharsets.UTF_8));
        CapturedDeadLetter d = CapturedDeadLetter.from(record(headers, new byte[] {0, 1},
                "a\0b".getBytes(StandardCharsets.UTF_8)));

        assertThat(d.keyText()).isNull();
        assertThat(d.valueText()).as("NUL is not allowed in PostgreSQL text").isNull();
        assertThat(d.reason()).as("display form; the header keeps the bytes").isEqualTo("PROCESSING\uFFFDERROR");
        assertThat(d.headers().get(0).text()).isNull();
        assertThat(d.headers().get(0).bytes()).containsExactly((byte) 0xFF, 0);
        assertThat(HeaderCodec.fromJson(HeaderCodec.toJson(d.headers()))).isEqualTo(d.headers());
    }

    @Test
    void headerNameWithNulIsKeptExactlyInBase64BesideADisplayName() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("x-\0-name", "not json".getBytes(StandardCharsets.UTF_8));
        CapturedDeadLetter d = CapturedDeadLetter.from(record(headers, null, null));

        StoredHeader h = d.headers().get(0);
        assertThat(h.name()).isEqualTo("x-\uFFFD-name");
        assertThat(h.originalName()).isEqualTo("x-\0-name");
        assertThat(h.text()).isEqualTo("not json");
        String json = HeaderCodec.toJson(d.headers());
        assertThat(json).doesNotContain("\\u0000").contains("\"name_base64\"");
        assertThat(HeaderCodec.fromJson(json).get(0).originalName()).isEqualTo("x-\0-name");
    }

    @Test
    void headerTextsAreCappedSoThatIndexedColumnsStaySmall() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(ImHeaders.DLT_REASON, "R".repeat(100_000).getBytes(StandardCharsets.UTF_8));
        headers.add(KafkaHeaders.DLT_ORIGINAL_TOPIC, "t".repeat(100_000).getBytes(StandardCharsets.UTF_8));
        headers.add(KafkaHeaders.DLT_EXCEPTION_MESSAGE, "m".repeat(1_000_000).getBytes(StandardCharsets.UTF_8));
        CapturedDeadLetter d = CapturedDeadLetter.from(record(headers, null, null));
        assertThat(d.reason()).hasSizeLessThan(300).contains("truncated, 100000 chars");
        assertThat(d.originalTopic()).hasSizeLessThan(300);
        assertThat(d.exceptionMessage()).hasSizeLessThan(9_000);
        assertThat(d.headers().get(2).bytes()).hasSize(1_000_000);
    }

    @Test
    void messageIdsAreTakenFromJsonValuesOnly() {
        assertThat(ids("{\"message_id\":\"m1\",\"from_user_id\":\"u1\",\"conversation_id\":\"c1\",\"x\":[1,{}]}"))
                .isEqualTo(new MessageIds("m1", "u1", "c1"));
        assertThat(ids("{\"task_type\":\"persist_message\",\"payload\":{\"message_id\":\"m2\",\"from_user_id\":7}}"))
                .as("a task's payload").isEqualTo(new MessageIds("m2", "7", null));
        assertThat(ids("{\"message_id\":\"a\\u0000b\"}").messageId()).as("NUL inside JSON").isNull();
        assertThat(ids("{\"message_id\":\"\\ud800\"}").messageId()).as("unpaired surrogate").isNull();
        assertThat(ids("{\"message_id\":\"" + "m".repeat(300) + "\"}").messageId()).as("too long").isNull();
        assertThat(ids("{\"message_id\":{\"nested\":1}}").messageId()).isNull();
        assertThat(ids("not json").isEmpty()).isTrue();
        assertThat(ids("[1,2]").isEmpty()).isTrue();
        assertThat(ids("{\"message_id\":\"m1\"").isEmpty()).as("truncated JSON").isTrue();
        assertThat(ids("[".repeat(100_000)).isEmpty()).as("nesting bomb").isTrue();
        assertThat(CapturedDeadLetter.from(record(new RecordHeaders(), null,
                new byte[] {'{', '"', 'm', (byte) 0xFF, '"', ':', '1', '}'})).ids().isEmpty()).isTrue();
    }

    @Test
    void timestampsOutOfRangeDoNotReachTheDatabase() {
        RecordHeaders headers = new RecordHeaders();
        DeadLetterHeaders.stamp(headers, new Origin("t", 0, 1, Long.MAX_VALUE), "s", ReasonCode.PROCESSING_ERROR,
                null, "");
        CapturedDeadLetter d = CapturedDeadLetter.from(new ConsumerRecord<>("t-dlq", 0, 0L, -1L,
                TimestampType.NO_TIMESTAMP_TYPE, 0, 0, null, null, headers, Optional.empty()));
        assertThat(d.originalTimestamp()).isNull();
        assertThat(d.failedAt()).isNotNull();
    }

    private static MessageIds ids(String json) {
        return CapturedDeadLetter.from(record(new RecordHeaders(), null, json.getBytes(StandardCharsets.UTF_8))).ids();
    }

    private static ConsumerRecord<byte[], byte[]> record(RecordHeaders headers, byte[] key, byte[] value) {
        return new ConsumerRecord<>("im-upstream-topic-dlq", 2, 77L, 5_000L, TimestampType.CREATE_TIME, 0, 0, key,
                value, headers, Optional.empty());
    }
}
