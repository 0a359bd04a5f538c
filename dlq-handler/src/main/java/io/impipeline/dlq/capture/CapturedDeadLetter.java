package io.impipeline.dlq.capture;

import java.time.Instant;
import java.util.List;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.dlq.DeadLetterHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.springframework.kafka.support.KafkaHeaders;

/** A dead-letter record decoded into the columns of {@code dead_letters}. Never fails on odd input. */
public record CapturedDeadLetter(
        String dlqTopic, int dlqPartition, long dlqOffset,
        byte[] key, String keyText, byte[] value, String valueText,
        List<StoredHeader> headers,
        String stage, String reason, String exceptionClass, String exceptionMessage,
        String originalTopic, Integer originalPartition, Long originalOffset, Instant originalTimestamp,
        Instant failedAt) {

    /** 9999-12-31T23:59:59.999Z: beyond it a timestamp is surely garbage (and near PostgreSQL's own limit). */
    private static final long MAX_TIMESTAMP = 253_402_300_799_999L;

    public static CapturedDeadLetter from(ConsumerRecord<byte[], byte[]> record) {
        Headers h = record.headers();
        Long originalTs = DeadLetterHeaders.longValue(h, KafkaHeaders.DLT_ORIGINAL_TIMESTAMP);
        return new CapturedDeadLetter(record.topic(), record.partition(), record.offset(),
                record.key(), Bytes.utf8OrNull(record.key()), record.value(), Bytes.utf8OrNull(record.value()),
                HeaderCodec.decode(h),
                text(h, ImHeaders.DLT_STAGE), text(h, ImHeaders.DLT_REASON),
                text(h, KafkaHeaders.DLT_EXCEPTION_FQCN), text(h, KafkaHeaders.DLT_EXCEPTION_MESSAGE),
                text(h, KafkaHeaders.DLT_ORIGINAL_TOPIC),
                DeadLetterHeaders.intValue(h, KafkaHeaders.DLT_ORIGINAL_PARTITION),
                DeadLetterHeaders.longValue(h, KafkaHeaders.DLT_ORIGINAL_OFFSET),
                storable(originalTs),
                record.timestamp() >= 0 && record.timestamp() <= MAX_TIMESTAMP ? Instant.ofEpochMilli(record.timestamp())
                        : Instant.now());
    }

    /**
     * Only the coordinates and the raw key and value: the fallback should decoding ever fail, so that the record is
     * still kept (and replayable by topic replay) and its partition never blocks.
     */
    public static CapturedDeadLetter raw(ConsumerRecord<byte[], byte[]> record) {
        return new CapturedDeadLetter(record.topic(), record.partition(), record.offset(), record.key(), null,
                record.value(), null, List.of(), null, null, null, null, null, null, null, null, Instant.now());
    }

    /** A header time PostgreSQL can store, else null: a garbage header must not block the capture. */
    private static Instant storable(Long epochMillis) {
        return epochMillis == null || epochMillis < 0 || epochMillis > MAX_TIMESTAMP ? null
                : Instant.ofEpochMilli(epochMillis);
    }

    private static String text(Headers headers, String name) {
        String s = Bytes.lenientText(DeadLetterHeaders.text(headers, name));
        return s == null || s.isEmpty() ? null : s;
    }
}
