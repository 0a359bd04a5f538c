package io.impipeline.dlq.store;

import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.impipeline.model.codec.WireJson;
import tools.jackson.core.JsonGenerator;

/**
 * The rows of {@code trace_message_events} for one batch: the events of one message (sender and id) in the batch
 * become one row, their {@code events} array in the order read. A mixed message's {@code routed}, {@code delivered}
 * and {@code push_task} events mostly arrive in one poll, so the store writes one row where it wrote one per event
 * (docs/dlq-handler.md "One row per message and batch"). Each event's {@code detail} is put in as the bytes it arrived
 * in ({@link io.impipeline.dlq.capture.TraceRecords} checked them).
 */
final class TraceMessageRows {

    private TraceMessageRows() {
    }

    /**
     * One row of the batch.
     *
     * @param at         the latest event's time: the retention deletes a row when the last of its events is past it
     * @param eventsJson {@code [{"stage", "app", "at" (epoch ms), "detail"}, ...]}
     * @param partition  where the first of them was read, with {@code offset}
     */
    record Row(String messageId, String fromUserId, Instant at, String eventsJson, int partition, long offset) {
    }

    /** The rows of these events, in the order of each message's first event. */
    static List<Row> of(List<StoredTraceEvent> events) {
        Map<Key, List<StoredTraceEvent>> byMessage = new LinkedHashMap<>();
        for (StoredTraceEvent e : events) {
            byMessage.computeIfAbsent(new Key(e.messageId(), e.fromUserId()), k -> new ArrayList<>(4)).add(e);
        }
        List<Row> rows = new ArrayList<>(byMessage.size());
        byMessage.forEach((key, list) -> {
            StoredTraceEvent first = list.get(0);
            Instant at = first.at();
            for (StoredTraceEvent e : list) {
                if (e.at().isAfter(at)) {
                    at = e.at();
                }
            }
            rows.add(new Row(key.messageId(), key.fromUserId(), at, json(list), first.partition(), first.offset()));
        });
        return rows;
    }

    private static String json(List<StoredTraceEvent> events) {
        StringWriter out = new StringWriter(events.size() * 160);
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
        return out.toString();
    }

    private record Key(String messageId, String fromUserId) {
    }
}
