package io.impipeline.dlq.capture;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

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
        assertThat(d.reason()).isEqualTo("PROCESSINGERROR");
        assertThat(d.headers().get(0).text()).isNull();
        assertThat(d.headers().get(0).bytes()).containsExactly((byte) 0xFF, 0);
        assertThat(HeaderCodec.fromJson(HeaderCodec.toJson(d.headers()))).isEqualTo(d.headers());
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

    private static ConsumerRecord<byte[], byte[]> record(RecordHeaders headers, byte[] key, byte[] value) {
        return new ConsumerRecord<>("im-upstream-topic-dlq", 2, 77L, 5_000L, TimestampType.CREATE_TIME, 0, 0, key,
                value, headers, Optional.empty());
    }
}
