package io.impipeline.router.topology;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.trace.TraceStage;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.platform.messagetrace.TraceSwitch;

/**
 * The router's trace events (issue 15): what each step did with a message, identified by its
 * ({@code from_user_id}, {@code message_id}), {@code app} = {@value RouterTopology#STAGE}. Every method answers null
 * when trace is off ({@code im.trace.enabled=false}: the topology then has no trace branches) or paused at run time
 * ({@link TraceSwitch}): the steps then carry no event, so the cost of the switch is this one test. Details are ids, numbers and times only, never content.
 */
final class RouterTraces {

    /** The detail key of the admission facts ({@link TraceStage#ACCEPTED}'s wire name). */
    static final String ACCEPTED = TraceStage.ACCEPTED.wireName();

    private final TraceSwitch traceSwitch;

    private RouterTraces(TraceSwitch traceSwitch) {
        this.traceSwitch = traceSwitch;
    }

    static RouterTraces of(TraceSwitch traceSwitch) {
        return new RouterTraces(traceSwitch);
    }

    /** Built with trace ({@code im.trace.enabled}): the topology has its trace branches. */
    boolean built() {
        return traceSwitch.enabled();
    }

    /** Writing now: built with trace and not paused ({@link TraceSwitch}); asked once per record. */
    boolean on() {
        return traceSwitch.writing();
    }

    /** Dropped as a repeat; {@code replayed} when the dead-letter handler sent it back (then said at WARN too). */
    TraceEvent duplicate(UpstreamMessage m, long at, boolean replayed) {
        if (!on()) {
            return null;
        }
        return event(m, TraceStage.DUPLICATE, at, replayed ? Map.of("replayed", true) : Map.of());
    }

    /**
     * Reject mode: the message stops here; the sender gets the notice {@code noticeId} instead.
     *
     * @param accepted its admission ({@link AcceptedHeader}), or null
     */
    TraceEvent filtered(UpstreamMessage m, long at, String noticeId, AcceptedHeader accepted) {
        if (!on()) {
            return null;
        }
        Map<String, Object> detail = new LinkedHashMap<>(4);
        detail.put("action", "reject");
        detail.put("notice_id", noticeId);
        return event(m, TraceStage.FILTERED, at, withAccepted(detail, accepted));
    }

    /** Mask mode: matched words masked, the message goes on. */
    TraceEvent masked(UpstreamMessage m, long at) {
        return on() ? event(m, TraceStage.MASKED, at, Map.of()) : null;
    }

    /** Held in the scheduled store until its {@code deliver_at}; {@code accepted}: its admission, or null. */
    TraceEvent held(UpstreamMessage m, long at, AcceptedHeader accepted) {
        if (!on()) {
            return null;
        }
        Map<String, Object> detail = new LinkedHashMap<>(4);
        detail.put("deliver_at", m.deliverAt());
        return event(m, TraceStage.HELD, at, withAccepted(detail, accepted));
    }

    /** Released from the scheduled store by the wall-clock punctuator; {@code heldAt}: when it was held. */
    TraceEvent released(UpstreamMessage m, long at, long heldAt) {
        if (!on()) {
            return null;
        }
        Map<String, Object> detail = new LinkedHashMap<>(4);
        detail.put("deliver_at", m.deliverAt());
        detail.put("held_at", heldAt);
        return event(m, TraceStage.RELEASED, at, detail);
    }

    /**
     * Sequenced and its records written.
     *
     * @param recipients users it is routed to (the sender's sync copy not counted: see {@code sync}); for a large
     *                   group, the members the fan-out will write to
     * @param partitions the partitions of {@code im-routed-topic} written, sorted; empty for a large group
     * @param tasks      tasks written ({@code persist_message}, and {@code group_fanout} for a large group)
     * @param sync       whether the sender's sync copy was written
     * @param fanout     whether a {@code group_fanout} task does the routing (large group)
     * @param accepted   its admission ({@link AcceptedHeader}); null for a message released from the scheduled store
     *                   (its {@code held} event has it)
     */
    TraceEvent routed(UpstreamMessage m, long at, long seq, int recipients, List<Integer> partitions, int tasks,
                      boolean sync, boolean fanout, AcceptedHeader accepted) {
        if (!on()) {
            return null;
        }
        Map<String, Object> detail = new LinkedHashMap<>(8);
        detail.put("seq", seq);
        detail.put("recipients", recipients);
        detail.put("partitions", partitions);
        detail.put("tasks", tasks);
        if (sync) {
            detail.put("sync", true);
        }
        if (fanout) {
            detail.put("fanout", true);
        }
        return event(m, TraceStage.ROUTED, at, withAccepted(detail, accepted));
    }

    /**
     * Admission is not an event of its own (one trace record less per message): the next event of the message in the
     * router carries it as {@code accepted}, which the trace API shows as the {@code accepted} stage.
     */
    private static Map<String, Object> withAccepted(Map<String, Object> detail, AcceptedHeader accepted) {
        if (accepted != null) {
            detail.put(ACCEPTED, accepted.detail());
        }
        return detail;
    }

    private static TraceEvent event(UpstreamMessage m, TraceStage stage, long at, Map<String, Object> detail) {
        return new TraceEvent(m.messageId(), m.fromUserId(), stage, RouterTopology.STAGE, at, detail);
    }
}
