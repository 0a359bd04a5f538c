package io.impipeline.model.trace;

import java.util.LinkedHashMap;
import java.util.Map;

import io.impipeline.model.codec.WireJson;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import tools.jackson.core.JacksonException;

/**
 * The router's {@code routed} trace event of a single-chat or small-group message, carried on one of its routed
 * records (the recipient's copy, or the group's smallest batch) in the header {@value #HEADER} instead of a trace
 * record of its own (issue 15: one trace record less per message; docs/dlq-handler.md "Fewer records than stages").
 * The dispatcher takes it off the record and puts it into the event it writes for that record as
 * {@code routed: {app, at, ...the router's detail}}; a dead letter of that record keeps it, and the dlq-handler's
 * {@code dead_lettered} event takes it in as well. The trace API lists it as the {@code routed} stage at its own time.
 *
 * <p>The value is that object as JSON (about 150 bytes). It is internal: the router removes one arriving from
 * outside and carries one only when it is at most {@value #MAX_BYTES} bytes, and the dispatcher keeps one only when
 * it reads as such an object of that size.
 */
public final class RoutedHeader {

    public static final String HEADER = "im_routed";
    /** The detail key of the carried facts in the carrying event ({@link TraceStage#ROUTED}'s wire name). */
    public static final String KEY = TraceStage.ROUTED.wireName();
    /** Larger is not the router's: a route's facts are a few numbers and the routed partitions. */
    public static final int MAX_BYTES = 1024;
    private static final int MAX_APP = 64;

    private RoutedHeader() {
    }

    /**
     * What a record carried, taken off it.
     *
     * @param facts   {@code app}, {@code at} and the router's detail; null when the header was unreadable
     * @param raw     the header's value as it was (to put back on a record that is dead-lettered)
     */
    public record Carried(Map<String, Object> facts, byte[] raw) {

        public boolean readable() {
            return facts != null;
        }

        /** Back on a record (a dead letter keeps what the routed record had). */
        public void restore(Headers headers) {
            headers.remove(HEADER);
            headers.add(HEADER, raw);
        }
    }

    /** The event's facts on the record, replacing any there. */
    public static void put(Headers headers, TraceEvent routed) {
        Map<String, Object> facts = new LinkedHashMap<>(routed.detail().size() + 2);
        facts.put("app", routed.app());
        facts.put("at", routed.at());
        facts.putAll(routed.detail());
        headers.remove(HEADER);
        headers.add(HEADER, WireJson.toBytes(facts));
    }

    /**
     * The {@code routed} stage as an event of its own again, for a record whose dispatch writes no event to carry it.
     *
     * @param facts {@link Carried#facts()} of a readable header
     */
    public static TraceEvent event(String messageId, String fromUserId, Map<String, Object> facts) {
        Map<String, Object> detail = new LinkedHashMap<>(facts);
        String app = (String) detail.remove("app");
        long at = ((Number) detail.remove("at")).longValue();
        return new TraceEvent(messageId, fromUserId, TraceStage.ROUTED, app, at, detail);
    }

    /** Whether the headers carry a {@code routed} event small enough to be read ({@value #MAX_BYTES} bytes). */
    public static boolean carriable(Headers headers) {
        Header header = headers.lastHeader(HEADER);
        return header != null && header.value() != null && header.value().length <= MAX_BYTES;
    }

    /** Removes the header (one from outside is never trusted). */
    public static void remove(Headers headers) {
        headers.remove(HEADER);
    }

    /** What the record carries, the header removed; null when it carries none. */
    public static Carried take(Headers headers) {
        Header header = headers.lastHeader(HEADER);
        if (header == null) {
            return null;
        }
        headers.remove(HEADER);
        byte[] raw = header.value();
        return new Carried(facts(raw), raw);
    }

    /**
     * The facts of a carried header's value ({@code app}, {@code at} and the router's detail), as the dispatcher
     * reads them; null when it is not such an object of at most {@value #MAX_BYTES} bytes.
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> facts(byte[] raw) {
        if (raw == null || raw.length == 0 || raw.length > MAX_BYTES) {
            return null;
        }
        Object value;
        try {
            value = WireJson.mapper().readValue(raw, Object.class);
        } catch (JacksonException e) {
            return null;
        }
        if (!(value instanceof Map<?, ?> map) || !(map.get("at") instanceof Number at)
                || !(at instanceof Integer || at instanceof Long) || at.longValue() < 0
                || !(map.get("app") instanceof String app) || app.isEmpty() || app.length() > MAX_APP) {
            return null;
        }
        return (Map<String, Object>) map;
    }
}
