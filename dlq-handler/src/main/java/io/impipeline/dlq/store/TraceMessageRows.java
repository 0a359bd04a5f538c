package io.impipeline.dlq.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.core.io.JsonStringEncoder;

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
     * row, columns separated by a tab; a backslash, tab, newline or carriage return inside a value is escaped.
     * Columns: the ids; {@code at}, the latest event's time (the retention deletes a row when the last of its events
     * is past it); {@code events}, {@code [{"stage", "app", "at" (epoch ms), "detail"}, ...]}; where the first of them
     * was read (partition, offset).
     */
    static String copyText(List<StoredTraceEvent> events) {
        Map<Key, List<StoredTraceEvent>> byMessage = new LinkedHashMap<>();
        for (StoredTraceEvent e : events) {
            byMessage.computeIfAbsent(new Key(e.messageId(), e.fromUserId()), k -> new ArrayList<>(4)).add(e);
        }
        StringBuilder out = new StringBuilder(events.size() * 320);
        Map<String, String> quoted = new HashMap<>(16);
        byMessage.forEach((key, list) -> {
            StoredTraceEvent first = list.get(0);
            Instant at = first.at();
            for (StoredTraceEvent e : list) {
                if (e.at().isAfter(at)) {
                    at = e.at();
                }
            }
            escaped(out, key.messageId());
            out.append('\t');
            escaped(out, key.fromUserId());
            out.append('\t').append(at).append('\t');
            events(list, quoted, out);
            out.append('\t').append(first.partition()).append('\t').append(first.offset()).append('\n');
        });
        return out.toString();
    }

    /**
     * {@code [{"stage", "app", "at", "detail"}, ...]}, COPY-escaped. Put together here rather than by a JSON generator
     * (in about half the time): {@code at} is a number, the detail JSON already checked
     * ({@link io.impipeline.dlq.capture.TraceRecords}), stage and app are quoted and escaped once per batch and value
     * (a handful).
     */
    private static void events(List<StoredTraceEvent> events, Map<String, String> quoted, StringBuilder out) {
        out.append('[');
        for (int i = 0; i < events.size(); i++) {
            StoredTraceEvent e = events.get(i);
            if (i > 0) {
                out.append(',');
            }
            out.append("{\"stage\":").append(quoted.computeIfAbsent(e.stage(), TraceMessageRows::copyJsonString))
                    .append(",\"app\":").append(quoted.computeIfAbsent(e.app(), TraceMessageRows::copyJsonString));
            out.append(",\"at\":").append(e.at().toEpochMilli()).append(",\"detail\":");
            escaped(out, e.detailJson());
            out.append('}');
        }
        out.append(']');
    }

    /**
     * Appends text as a value of COPY's text format: a backslash, tab, newline or carriage return in it would end or
     * change the value, so each is written as its backslash escape.
     */
    private static void escaped(StringBuilder out, String text) {
        int n = text.length();
        int i = 0;
        while (i < n && !special(text.charAt(i))) {
            i++;
        }
        out.append(text, 0, i);
        for (; i < n; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
    }

    /** The text as a JSON string, COPY-escaped: what a row holds for a stage or an app, made once per batch. */
    private static String copyJsonString(String text) {
        StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        JsonStringEncoder.getInstance().quoteAsString(text, quoted);
        StringBuilder out = new StringBuilder(quoted.length() + 2);
        escaped(out, quoted.append('"').toString());
        return out.toString();
    }

    private static boolean special(char c) {
        return c == '\\' || c == '\t' || c == '\n' || c == '\r';
    }

    private record Key(String messageId, String fromUserId) {
    }
}
