package io.impipeline.dlq.capture;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import io.impipeline.dlq.letter.Bytes;
import io.impipeline.dlq.store.StoredTraceEvent;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.trace.TraceStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

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
    private static final String EMPTY_DETAIL = "{}";

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
        Fields f;
        // One streaming pass: the detail goes to PostgreSQL as the bytes it arrived in (json checks it there),
        // instead of being read into maps and written again; its strings are still checked on the way.
        try (JsonParser parser = WireJson.mapper().createParser(value)) {
            f = Fields.read(parser, value);
        } catch (RuntimeException ex) {
            // The class only: a parser's message can quote the record.
            return Result.unreadable("not a trace event (" + ex.getClass().getSimpleName() + ")");
        }
        if (f.problem != null) {
            return Result.unreadable(f.problem);
        }
        if (f.messageId == null || f.fromUserId == null || f.stage == null || f.app == null) {
            return Result.unreadable("not a trace event (" + (f.stageName != null && f.stage == null
                    ? "unknown stage" : "a field missing") + ")");
        }
        String problem = text("message_id", f.messageId);
        problem = problem != null ? problem : text("from_user_id", f.fromUserId);
        problem = problem != null ? problem : text("app", f.app);
        if (problem != null) {
            return Result.unreadable(problem);
        }
        if (f.at < 0 || f.at > MAX_TIMESTAMP) {
            return Result.unreadable("at out of range");
        }
        if (!f.detailStorable) {
            return Result.unreadable("detail holds text PostgreSQL cannot store, or is nested too deep");
        }
        if (f.detailLength > maxDetailBytes) {
            return Result.unreadable("detail larger than " + maxDetailBytes + " bytes");
        }
        String detail = f.detailLength == 0 ? EMPTY_DETAIL
                : new String(value, f.detailStart, f.detailLength, StandardCharsets.UTF_8);
        return new Result(new StoredTraceEvent(f.messageId, f.fromUserId, f.stage.wireName(), f.app,
                Instant.ofEpochMilli(f.at), detail, record.topic(), record.partition(), record.offset()), null);
    }

    /** The fields of one event as the parser meets them; a wrong shape is a problem, not an exception. */
    private static final class Fields {

        String messageId;
        String fromUserId;
        String stageName;
        TraceStage stage;
        String app;
        long at;
        int detailStart;
        int detailLength;
        boolean detailStorable = true;
        String problem;

        static Fields read(JsonParser p, byte[] value) {
            Fields f = new Fields();
            if (p.nextToken() != JsonToken.START_OBJECT) {
                f.problem = "not a trace event (not an object)";
                return f;
            }
            while (f.problem == null && p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken token = p.nextToken();
                switch (name) {
                    case "message_id" -> f.messageId = f.string(p, token);
                    case "from_user_id" -> f.fromUserId = f.string(p, token);
                    case "app" -> f.app = f.string(p, token);
                    case "stage" -> {
                        f.stageName = f.string(p, token);
                        f.stage = f.stageName == null ? null : TraceStage.fromWire(f.stageName).orElse(null);
                    }
                    case "at" -> {
                        if (token == JsonToken.VALUE_NUMBER_INT) {
                            f.at = p.getLongValue();
                        } else if (token != JsonToken.VALUE_NULL) {
                            f.problem = "not a trace event (at not an integer)";
                        }
                    }
                    case "detail" -> f.detail(p, token, value.length);
                    default -> p.skipChildren();
                }
            }
            if (f.problem == null && p.nextToken() != null) {
                f.problem = "not a trace event (more after the object)";
            }
            return f;
        }

        private String string(JsonParser p, JsonToken token) {
            if (token == JsonToken.VALUE_STRING) {
                return p.getString();
            }
            if (token != JsonToken.VALUE_NULL) {
                problem = "not a trace event (" + p.currentName() + " not a string)";
            }
            return null;
        }

        /** The detail object's bytes, its names and strings checked: PostgreSQL refuses NUL and lone surrogates in text. */
        private void detail(JsonParser p, JsonToken token, int size) {
            if (token == JsonToken.VALUE_NULL) {
                detailLength = 0;
                return;
            }
            if (token != JsonToken.START_OBJECT) {
                problem = "not a trace event (detail not an object)";
                return;
            }
            long start = p.currentTokenLocation().getByteOffset();
            int depth = 1;
            while (depth > 0) {
                JsonToken t = p.nextToken();
                if (t == null) {
                    throw new IllegalStateException("end of input inside detail");
                } else if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    depth++;
                    detailStorable &= depth <= MAX_DEPTH;
                } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    depth--;
                } else if (t == JsonToken.PROPERTY_NAME) {
                    detailStorable &= Bytes.storable(p.currentName());
                } else if (t == JsonToken.VALUE_STRING) {
                    detailStorable &= Bytes.storable(p.getString());
                }
            }
            // The closing brace's own position: the bytes from the opening brace up to and with it.
            long end = p.currentTokenLocation().getByteOffset() + 1;
            if (start < 0 || end > size) {
                // A parser that does not know byte offsets: never expected for byte input, but never guess.
                throw new IllegalStateException("byte offsets unknown");
            }
            detailStart = (int) start;
            detailLength = (int) (end - start);
        }
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
}
