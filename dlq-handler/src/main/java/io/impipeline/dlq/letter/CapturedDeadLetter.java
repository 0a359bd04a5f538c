package io.impipeline.dlq.letter;

import java.time.Instant;
import java.util.List;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.dlq.DeadLetterHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.springframework.kafka.support.KafkaHeaders;

/**
 * A dead-letter record decoded into the columns of {@code dead_letters}. Never fails on odd input, and every string
 * in it is one PostgreSQL stores: key and value are kept as bytes, with a text copy only when they are clean UTF-8;
 * headers keep their exact bytes (see {@link StoredHeader}); the columns decoded from headers (stage, reason,
 * exception, original topic) are display forms, NUL and invalid UTF-8 shown as U+FFFD and capped in length (their
 * exact bytes stay in the headers).
 *
 * @param captureError null, or why the full record could not be stored (then {@code reason} is
 *                     {@value #CAPTURE_FAILED} and only the coordinates are kept, see {@link #minimal})
 */
public record CapturedDeadLetter(
        String dlqTopic, int dlqPartition, long dlqOffset,
        byte[] key, String keyText, byte[] value, String valueText,
        List<StoredHeader> headers,
        String stage, String reason, String exceptionClass, String exceptionMessage,
        String originalTopic, Integer originalPartition, Long originalOffset, Instant originalTimestamp,
        Instant failedAt, MessageIds ids, String captureError) {

    /** The reason of a row that keeps only the coordinates because the full dead letter could not be stored. */
    public static final String CAPTURE_FAILED = "CAPTURE_FAILED";
    /** The stage of such a row: this app. */
    public static final String CAPTURE_STAGE = "dlq-handler";

    /** Short columns that are indexed (a B-tree entry must stay under ~2.7 kB): stage, reason, original topic. */
    static final int MAX_SHORT_TEXT = 256;
    static final int MAX_EXCEPTION_CLASS = 1_024;
    static final int MAX_EXCEPTION_MESSAGE = 8_192;
    static final int MAX_CAPTURE_ERROR = 2_048;

    /** 9999-12-31T23:59:59.999Z: beyond it a timestamp is surely garbage (and near PostgreSQL's own limit). */
    private static final long MAX_TIMESTAMP = 253_402_300_799_999L;

    public CapturedDeadLetter {
        ids = ids == null ? MessageIds.NONE : ids;
    }

    public static CapturedDeadLetter from(ConsumerRecord<byte[], byte[]> record) {
        Headers h = record.headers();
        Long originalTs = DeadLetterHeaders.longValue(h, KafkaHeaders.DLT_ORIGINAL_TIMESTAMP);
        String valueText = Bytes.utf8OrNull(record.value());
        return new CapturedDeadLetter(record.topic(), record.partition(), record.offset(),
                record.key(), Bytes.utf8OrNull(record.key()), record.value(), valueText,
                HeaderCodec.decode(h),
                text(h, ImHeaders.DLT_STAGE, MAX_SHORT_TEXT), text(h, ImHeaders.DLT_REASON, MAX_SHORT_TEXT),
                text(h, KafkaHeaders.DLT_EXCEPTION_FQCN, MAX_EXCEPTION_CLASS),
                text(h, KafkaHeaders.DLT_EXCEPTION_MESSAGE, MAX_EXCEPTION_MESSAGE),
                text(h, KafkaHeaders.DLT_ORIGINAL_TOPIC, MAX_SHORT_TEXT),
                DeadLetterHeaders.intValue(h, KafkaHeaders.DLT_ORIGINAL_PARTITION),
                DeadLetterHeaders.longValue(h, KafkaHeaders.DLT_ORIGINAL_OFFSET),
                storable(originalTs), failedAt(record), MessageIds.of(valueText), null);
    }

    /**
     * Only the coordinates and the raw key and value: the fallback should decoding ever fail, so that the record is
     * still kept (and replayable by topic replay) and its partition never blocks.
     */
    public static CapturedDeadLetter raw(ConsumerRecord<byte[], byte[]> record) {
        return new CapturedDeadLetter(record.topic(), record.partition(), record.offset(), record.key(), null,
                record.value(), null, List.of(), null, null, null, null, null, null, null, null, Instant.now(), null,
                null);
    }

    /**
     * The row stored when this dead letter could not be stored in full: its DLQ coordinates, time and reason
     * {@value #CAPTURE_FAILED} with the error; with the raw key and value when {@code withBytes} (bytea takes any
     * bytes). The record itself is still in its DLQ topic (until retention) for a topic replay or inspection.
     */
    public CapturedDeadLetter minimal(String error, boolean withBytes) {
        return new CapturedDeadLetter(dlqTopic, dlqPartition, dlqOffset, withBytes ? key : null, null,
                withBytes ? value : null, null, List.of(), CAPTURE_STAGE, CAPTURE_FAILED, null, null, null, null,
                null, null, failedAt, null, Bytes.truncate(Bytes.lenientText(error), MAX_CAPTURE_ERROR));
    }

    private static Instant failedAt(ConsumerRecord<byte[], byte[]> record) {
        return record.timestamp() >= 0 && record.timestamp() <= MAX_TIMESTAMP ? Instant.ofEpochMilli(record.timestamp())
                : Instant.now();
    }

    /** A header time PostgreSQL can store, else null: a garbage header must not block the capture. */
    private static Instant storable(Long epochMillis) {
        return epochMillis == null || epochMillis < 0 || epochMillis > MAX_TIMESTAMP ? null
                : Instant.ofEpochMilli(epochMillis);
    }

    private static String text(Headers headers, String name, int max) {
        String s = Bytes.truncate(Bytes.lenientText(DeadLetterHeaders.text(headers, name)), max);
        return s == null || s.isEmpty() ? null : s;
    }
}
