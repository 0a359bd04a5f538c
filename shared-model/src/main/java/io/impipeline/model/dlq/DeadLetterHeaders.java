package io.impipeline.model.dlq;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.ReasonCode;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Writes and reads the dead-letter headers: spring-kafka's {@code kafka_dlt-*} (encoded as
 * {@code DeadLetterPublishingRecoverer} encodes them, so every DLQ record reads the same whoever wrote it) plus
 * {@code im_dlt-stage} and {@code im_dlt-reason}. The original headers stay as they are.
 */
public final class DeadLetterHeaders {

    // spring-kafka's KafkaHeaders.DLT_* names, spelled out so that the contract needs no Spring (a platform test
    // checks they stay equal).
    public static final String DLT_ORIGINAL_TOPIC = "kafka_dlt-original-topic";
    public static final String DLT_ORIGINAL_PARTITION = "kafka_dlt-original-partition";
    public static final String DLT_ORIGINAL_OFFSET = "kafka_dlt-original-offset";
    public static final String DLT_ORIGINAL_TIMESTAMP = "kafka_dlt-original-timestamp";
    public static final String DLT_EXCEPTION_FQCN = "kafka_dlt-exception-fqcn";
    public static final String DLT_EXCEPTION_MESSAGE = "kafka_dlt-exception-message";

    private DeadLetterHeaders() {
    }

    /** Where the failed record came from. Partition and offset are -1 when the record had no source offset. */
    public record Origin(String topic, int partition, long offset, long timestamp) {
    }

    public static void stamp(Headers headers, Origin origin, String stage, ReasonCode reason, String exceptionClass,
                             String detail) {
        replace(headers, DLT_ORIGINAL_TOPIC, utf8(origin.topic()));
        replace(headers, DLT_ORIGINAL_PARTITION, ByteBuffer.allocate(Integer.BYTES)
                .putInt(origin.partition()).array());
        replace(headers, DLT_ORIGINAL_OFFSET, ByteBuffer.allocate(Long.BYTES).putLong(origin.offset())
                .array());
        replace(headers, DLT_ORIGINAL_TIMESTAMP, ByteBuffer.allocate(Long.BYTES)
                .putLong(origin.timestamp()).array());
        replace(headers, DLT_EXCEPTION_FQCN, utf8(exceptionClass != null ? exceptionClass
                : RejectedRecordException.class.getName()));
        replace(headers, DLT_EXCEPTION_MESSAGE, utf8(detail == null ? "" : detail));
        replace(headers, ImHeaders.DLT_STAGE, utf8(stage));
        replace(headers, ImHeaders.DLT_REASON, utf8(reason.name()));
    }


    public static String text(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    public static Integer intValue(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null || h.value().length != Integer.BYTES ? null
                : ByteBuffer.wrap(h.value()).getInt();
    }

    public static Long longValue(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null || h.value().length != Long.BYTES ? null
                : ByteBuffer.wrap(h.value()).getLong();
    }

    private static void replace(Headers headers, String name, byte[] value) {
        headers.remove(name);
        headers.add(name, value);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
