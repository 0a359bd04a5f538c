package io.impipeline.dlq.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.impipeline.model.trace.TraceStage;

/**
 * The router's {@code accepted} stage. The router writes no event for it (one trace record less per message,
 * docs/dlq-handler.md): the next event of the message in the router ({@code routed}, {@code held} or
 * {@code filtered}) carries it in its detail as {@code accepted: {at, partition, offset}}. A trace shows it as the
 * stage of its own it is: {@code accepted} at its time, with the upstream partition and offset, and the carrying
 * event without it. A row whose {@code accepted} is not in that form is listed as it was stored.
 */
final class Admissions {

    private static final String KEY = TraceStage.ACCEPTED.wireName();

    private Admissions() {
    }

    /**
     * The rows with each carried admission as a stage of its own, in the rows' order of senders, then by time; an
     * admission before the event that carried it when their times are equal.
     */
    static List<TraceRow> expand(List<TraceRow> rows) {
        List<TraceRow> out = new ArrayList<>(rows.size() + rows.size() / 2);
        boolean expanded = false;
        for (TraceRow row : rows) {
            TraceRow admission = admission(row);
            if (admission == null) {
                out.add(row);
                continue;
            }
            Map<String, Object> rest = new LinkedHashMap<>(row.detail());
            rest.remove(KEY);
            out.add(admission);
            out.add(new TraceRow(row.id(), row.messageId(), row.fromUserId(), row.stage(), row.app(), row.at(), rest));
            expanded = true;
        }
        if (expanded) {
            Map<String, Integer> senders = new HashMap<>();
            rows.forEach(r -> senders.putIfAbsent(r.fromUserId(), senders.size()));
            // Stable: rows of equal time keep their order (the admission first, then the stored order).
            out.sort(Comparator.<TraceRow>comparingInt(r -> senders.get(r.fromUserId())).thenComparing(TraceRow::at));
        }
        return out;
    }

    private static TraceRow admission(TraceRow row) {
        if (!(row.detail().get(KEY) instanceof Map<?, ?> facts) || !(facts.get("at") instanceof Number at)) {
            return null;
        }
        Map<String, Object> detail = new LinkedHashMap<>();
        facts.forEach((k, v) -> {
            if (!"at".equals(k)) {
                detail.put(String.valueOf(k), v);
            }
        });
        return new TraceRow(row.id(), row.messageId(), row.fromUserId(), KEY, row.app(),
                Instant.ofEpochMilli(at.longValue()), detail);
    }
}
