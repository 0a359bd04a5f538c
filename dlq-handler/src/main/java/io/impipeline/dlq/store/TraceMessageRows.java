package io.impipeline.dlq.store;

import java.io.Writer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.impipeline.model.codec.WireJson;
import tools.jackson.core.JsonGenerator;

/**
 * The rows of {@code trace_message_events} for one batch, as the text of a {@code COPY ... FROM STDIN}: the events of
 * one message (sender and id) in the batch become one row, their {@code events} array in the order read. A mixed
 * message's {@code routed}, {@code delivered} and {@code push_task} events mostly arrive in one poll, so the store
 * writes one row where it wrote one per event (docs/dlq-handler.md "One row per message and batch"). Each event's
 * {@code detail} is put in as the bytes it arrived in ({@link io.impipeline.dlq.capture.TraceRecords} checked them).
 *
 * <p>COPY, not an {@code INSERT} of one array per column: PostgreSQL parses a COPY row for a third of what it spends
 * on the same row taken out of array literals, and the driver sends the text as it is instead of quoting every element
 * (docs/benchmarks.md, session 14).
 */
final class TraceMessageRows {

    /** The columns, in the order of each line of {@link #copyText}. */
    static final String COPY = "COPY trace_message_events (message_id, from_user_id, at, events, src_partition, "
            + "src_offset) FROM STDIN";

    private TraceMessageRows() {
    }

    /**
     * The rows of these events, in the order of each message's first event, in COPY's text format: one line per
     * row, columns separated by a tab, backslash, tab, newline and carriage return escaped in every value.
     * Columns: the ids; {@code at}, the latest event's time (the retention deletes a row when the last of its events
     * is past it); {@code events}, {@code [{"stage", "app", "at" (epoch ms), "detail"}, ...]}; where the first of them
     * was read (partition, offset).
     */
    static String copyText(List<StoredTraceEvent> events) {
        Map<Key, List<StoredTraceEvent>> byMessage = new LinkedHashMap<>();
        for (StoredTraceEvent e : events) {
            byMessage.computeIfAbsent(new Key(e.messageId(), e.fromUserId()), k -> new ArrayList<>(4)).add(e);
        }
        StringBuilder out = new StringBuilder(events.size() * 256);
        CopyEscaping escaped = new CopyEscaping(out);
        byMessage.forEach((key, list) -> {
            StoredTraceEvent first = list.get(0);
            Instant at = first.at();
            for (StoredTraceEvent e : list) {
                if (e.at().isAfter(at)) {
                    at = e.at();
                }
            }
            escaped.append(key.messageId());
            out.append('\t');
            escaped.append(key.fromUserId());
            out.append('\t').append(at).append('\t');
            json(list, escaped);
            out.append('\t').append(first.partition()).append('\t').append(first.offset()).append('\n');
        });
        return out.toString();
    }

    private static void json(List<StoredTraceEvent> events, Writer out) {
        try (JsonGenerator g = WireJson.mapper().createGenerator(out)) {
            g.writeStartArray();
            for (StoredTraceEvent e : events) {
                g.writeStartObject();
                g.writeStringProperty("stage", e.stage());
                g.writeStringProperty("app", e.app());
                g.writeNumberProperty("at", e.at().toEpochMilli());
                g.writeName("detail");
                g.writeRawValue(e.detailJson());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
    }

    /**
     * Appends text as a value of COPY's text format: a backslash, tab, newline or carriage return in it would end or
     * change the value, so each is written as its backslash escape. Closing it closes nothing.
     */
    static final class CopyEscaping extends Writer {

        private final StringBuilder out;

        CopyEscaping(StringBuilder out) {
            this.out = out;
        }

        void append(String text) {
            write(text, 0, text.length());
        }

        @Override
        public void write(String text, int off, int len) {
            for (int i = off; i < off + len; i++) {
                put(text.charAt(i));
            }
        }

        @Override
        public void write(char[] chars, int off, int len) {
            for (int i = off; i < off + len; i++) {
                put(chars[i]);
            }
        }

        private void put(char c) {
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    private record Key(String messageId, String fromUserId) {
    }
}
