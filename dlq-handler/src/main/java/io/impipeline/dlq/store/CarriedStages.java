package io.impipeline.dlq.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.impipeline.model.trace.RoutedHeader;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.trace.TraceStage;

/**
 * Stages that travel inside another stage's event (one trace record less each, docs/dlq-handler.md "Fewer records
 * than stages") and are listed as the stages of their own they are:
 * <ul>
 *   <li>the router's {@code accepted}: its next event of the message ({@code routed}, {@code held} or
 *   {@code filtered}) carries it as {@code accepted: {at, partition, offset}}; listed at its own time, before the
 *   carrier when the times are equal;</li>
 *   <li>the dispatcher's {@code push_task}: a {@code delivered} event of a routed record that also made offline-push
 *   tasks carries it as {@code push_task: {tasks, users}}; listed at the carrier's time, right after it;</li>
 *   <li>the router's {@code routed} of a single-chat or small-group message: the dispatcher's event of the record
 *   that carried it (the recipient's copy, the group's smallest batch: {@code delivered} or {@code push_task})
 *   carries it as {@code routed: {app, at, ...its detail}} (which carries {@code accepted} in turn), and so does the
 *   {@code dead_lettered} of that record when it was dead-lettered; listed at its own time, before the carrier when
 *   the times are equal, and once when two carriers have it (a replayed dead letter).</li>
 * </ul>
 * The carrier is listed without them. A row whose carried stage is not in that form is listed as it was stored.
 */
final class CarriedStages {

    private static final String ACCEPTED = TraceStage.ACCEPTED.wireName();
    private static final String ROUTED = TraceStage.ROUTED.wireName();
    private static final String PUSH_TASK = TraceStage.PUSH_TASK.wireName();
    private static final String DELIVERED = TraceStage.DELIVERED.wireName();

    private CarriedStages() {
    }

    /**
     * The rows with each carried stage as a stage of its own, in the rows' order of senders, then by time; the
     * order of equal times kept.
     */
    static List<TraceRow> expand(List<TraceRow> rows) {
        List<TraceRow> out = new ArrayList<>(rows.size() + rows.size() / 2);
        boolean expanded = false;
        for (TraceRow row : rows) {
            expanded |= expand(row, out);
        }
        if (expanded) {
            dropRepeatedRouted(out);
            Map<String, Integer> senders = new HashMap<>();
            rows.forEach(r -> senders.putIfAbsent(r.fromUserId(), senders.size()));
            // Stable: rows of equal time keep their order (an admission first, a carried push_task after its carrier).
            out.sort(Comparator.<TraceRow>comparingInt(r -> senders.get(r.fromUserId())).thenComparing(TraceRow::at));
        }
        return out;
    }

    /**
     * One {@code routed} stage carried twice (and the {@code accepted} it carries) is listed once: a dead-lettered
     * routed record's {@code dead_lettered} carries it, and so does the dispatcher's event of the same record once it
     * is replayed. Stages of the same app at the same time with the same detail are the same stage.
     */
    private static void dropRepeatedRouted(List<TraceRow> rows) {
        Set<List<Object>> seen = new HashSet<>();
        rows.removeIf(r -> (ROUTED.equals(r.stage()) || ACCEPTED.equals(r.stage()))
                && !seen.add(List.of(r.fromUserId(), r.stage(), r.app(), r.at(), r.detail())));
    }

    /** The row, or the stages it carries and then the row without them; whether it carried any. */
    private static boolean expand(TraceRow row, List<TraceRow> out) {
        TraceRow routed = routed(row);
        TraceRow admission = admission(row);
        TraceRow pushTask = pushTask(row);
        if (routed == null && admission == null && pushTask == null) {
            out.add(row);
            return false;
        }
        Map<String, Object> rest = new LinkedHashMap<>(row.detail());
        if (routed != null) {
            rest.remove(ROUTED);
            // The router's event carries its admission in turn.
            expand(routed, out);
        }
        if (admission != null) {
            rest.remove(ACCEPTED);
            out.add(admission);
        }
        if (pushTask != null) {
            rest.remove(PUSH_TASK);
        }
        out.add(new TraceRow(row.id(), row.messageId(), row.fromUserId(), row.stage(), row.app(), row.at(), rest));
        if (pushTask != null) {
            out.add(pushTask);
        }
        return true;
    }

    /** The router's {@code routed}, carried by the dispatcher's event of its carrier, or that record's dead letter. */
    private static TraceRow routed(TraceRow row) {
        if (ROUTED.equals(row.stage()) || !(row.detail().get(ROUTED) instanceof Map<?, ?> facts)
                || !(facts.get("at") instanceof Number) || !(facts.get("app") instanceof String)) {
            return null;
        }
        // The form the dispatcher writes is the header's: read it as the shared model does.
        Map<String, Object> form = new LinkedHashMap<>();
        facts.forEach((k, v) -> form.put(String.valueOf(k), v));
        TraceEvent event = RoutedHeader.event(row.messageId(), row.fromUserId(), form);
        return new TraceRow(row.id(), row.messageId(), row.fromUserId(), ROUTED, event.app(),
                Instant.ofEpochMilli(event.at()), event.detail());
    }

    private static TraceRow admission(TraceRow row) {
        if (!(row.detail().get(ACCEPTED) instanceof Map<?, ?> facts) || !(facts.get("at") instanceof Number at)) {
            return null;
        }
        return carried(row, ACCEPTED, Instant.ofEpochMilli(at.longValue()), facts);
    }

    private static TraceRow pushTask(TraceRow row) {
        if (!DELIVERED.equals(row.stage()) || !(row.detail().get(PUSH_TASK) instanceof Map<?, ?> facts)) {
            return null;
        }
        return carried(row, PUSH_TASK, row.at(), facts);
    }

    private static TraceRow carried(TraceRow row, String stage, Instant at, Map<?, ?> facts) {
        Map<String, Object> detail = new LinkedHashMap<>();
        facts.forEach((k, v) -> {
            if (!"at".equals(k)) {
                detail.put(String.valueOf(k), v);
            }
        });
        return new TraceRow(row.id(), row.messageId(), row.fromUserId(), stage, row.app(), at, detail);
    }
}
