package io.impipeline.dlq.capture;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.impipeline.dlq.letter.Bytes;
import io.impipeline.dlq.store.StoredTraceEvent;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.trace.TraceEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads a record of {@code im-trace-topic} into a row PostgreSQL stores as it is, or says why it cannot: a record
 * that is not a {@link TraceEvent} (not JSON, an unknown stage, a missing id), has ids or app longer than
 * {@value #MAX_TEXT} characters or text PostgreSQL refuses (NUL, unpaired surrogates), a time outside years
 * 1970..9999, or a detail larger than the limit. Never throws.
 */
public final class TraceRecords {

    /** Ids and app: indexed (a B-tree entry must stay small), and the contract allows 128 characters for ids. */
    static final int MAX_TEXT = 256;
    private static final long MAX_TIMESTAMP = 253_402_300_799_999L;
    private static final int MAX_DEPTH = 32;

    private TraceRecords() {
    }

    /** Either the event or why it is unreadable (a short phrase with no content of the record). */
    public record Result(StoredTraceEvent event, String problem) {

        static Result unreadable(String problem) {
            return new Result(null, problem);
        }

        public boolean readable() {
            return event != null;
        }
    }

    public static Result read(ConsumerRecord<?, byte[]> record, int maxDetailBytes) {
        byte[] value = record.value();
        if (value == null || value.length == 0) {
            return Result.unreadable("empty value");
        }
        TraceEvent e;
        try {
            e = WireJson.fromBytes(value, TraceEvent.class);
        } catch (RuntimeException ex) {
            // The class only: a parser's message can quote the record.
            return Result.unreadable("not a trace event (" + ex.getClass().getSimpleName() + ")");
        }
        if (e == null) {
            return Result.unreadable("not a trace event (null)");
        }
        String problem = text("message_id", e.messageId());
        problem = problem != null ? problem : text("from_user_id", e.fromUserId());
        problem = problem != null ? problem : text("app", e.app());
        if (problem != null) {
            return Result.unreadable(problem);
        }
        if (e.at() < 0 || e.at() > MAX_TIMESTAMP) {
            return Result.unreadable("at out of range");
        }
        if (!storable(e.detail(), 0)) {
            return Result.unreadable("detail holds text PostgreSQL cannot store, or is nested too deep");
        }
        String detail;
        try {
            detail = WireJson.mapper().writeValueAsString(e.detail());
        } catch (RuntimeException ex) {
            return Result.unreadable("detail not serialisable (" + ex.getClass().getSimpleName() + ")");
        }
        if (detail.getBytes(StandardCharsets.UTF_8).length > maxDetailBytes) {
            return Result.unreadable("detail larger than " + maxDetailBytes + " bytes");
        }
        return new Result(new StoredTraceEvent(e.messageId(), e.fromUserId(), e.stage().wireName(), e.app(),
                Instant.ofEpochMilli(e.at()), detail, record.topic(), record.partition(), record.offset()), null);
    }

    private static String text(String field, String value) {
        if (value == null || value.isEmpty()) {
            return field + " missing";
        }
        if (value.length() > MAX_TEXT) {
            return field + " longer than " + MAX_TEXT + " characters";
        }
        if (!Bytes.storable(value)) {
            return field + " holds NUL or an unpaired surrogate";
        }
        return null;
    }

    private static boolean storable(Object value, int depth) {
        if (depth > MAX_DEPTH) {
            return false;
        }
        if (value instanceof String s) {
            return Bytes.storable(s);
        }
        if (value instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> entry : m.entrySet()) {
                if (!(entry.getKey() instanceof String k) || !Bytes.storable(k) || !storable(entry.getValue(), depth + 1)) {
                    return false;
                }
            }
            return true;
        }
        if (value instanceof List<?> l) {
            for (Object o : l) {
                if (!storable(o, depth + 1)) {
                    return false;
                }
            }
        }
        return true;
    }
}
