package io.impipeline.dispatcher.topology;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.trace.RoutedHeader;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.trace.TraceStage;
import io.impipeline.model.wire.RecipientPartitions;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.platform.messagetrace.TraceSwitch;

/**
 * The dispatcher's trace event (issue 15), one per routed record: {@code delivered} listing the downstream records
 * written (a group batch's record per gateway, not per member) and carrying {@code push_task} (its
 * {@code offline_push} tasks: how many, for how many users) when there are both, which the trace API lists as a stage
 * of its own; {@code push_task} alone when nothing was delivered. One record where there were two: a group's routed
 * records mostly have online and offline members.
 * Identity: the message's ({@code from_user_id}, {@code message_id}); {@code app} = {@value DispatchTopology#STAGE}.
 * Details are ids and numbers, never content. Off ({@code im.trace.enabled=false}) or paused ({@link TraceSwitch}),
 * {@link #on} is false and the dispatch step makes none; so it is for a sender's sync copy with
 * {@code im.dispatcher.trace-sync-copies=false}.
 */
final class DispatchTraces {

    /**
     * Records listed in one {@code delivered} event at most (a group batch reaching more gateways lists the first
     * ones and counts all in {@code records}): keeps the event well under the trace store's detail limit.
     */
    static final int MAX_LISTED = 64;

    private final TraceSwitch traceSwitch;
    private final ImTopicsProperties topics;
    private final boolean syncCopies;

    /** @param syncCopies {@code im.dispatcher.trace-sync-copies}: whether a sender's sync copy is traced */
    DispatchTraces(TraceSwitch traceSwitch, ImTopicsProperties topics, boolean syncCopies) {
        this.traceSwitch = traceSwitch;
        this.topics = topics;
        this.syncCopies = syncCopies;
    }

    /**
     * Whether this routed record gets an event now: {@code im.trace.enabled}, not paused at run time, and not a
     * sync copy when those are not traced (it never carries the router's {@code routed}: the recipient's copy
     * does). Asked once per routed record.
     */
    boolean on(RoutedMessage routed) {
        return traceSwitch.writing() && (syncCopies || !routed.sync());
    }

    /**
     * Where one downstream record went. The offset is not known inside the transaction (the broker assigns it when
     * the batch is appended), so it names the partition: the one Kafka's default partitioner picks for the record's
     * key (murmur2) with the downstream topics' configured partition count ({@code im.topics.downstream}).
     *
     * @param key        the downstream record's key (recipient, or a group batch's conversation)
     * @param recipients users the record lists (1 for a single-chat record)
     */
    Map<String, Object> delivery(String gatewayId, String key, int recipients) {
        Map<String, Object> detail = new LinkedHashMap<>(4);
        detail.put("topic", topics.downstreamTopic(gatewayId));
        detail.put("partition", RecipientPartitions.partitionOf(key,
                topics.downstreamSpec(gatewayId).partitions()));
        detail.put("recipients", recipients);
        return detail;
    }

    /**
     * The downstream records written for one routed record, in one event: a message reaches a recipient's devices on
     * several gateways, a group batch one record per gateway, so an event per record was most of the trace's volume.
     *
     * @param deliveries {@link #delivery} of each record, in the order written
     */
    TraceEvent delivered(RoutedMessage routed, List<Map<String, Object>> deliveries, int pushTasks, int pushUsers,
                         Map<String, Object> routedStage, long at) {
        Map<String, Object> detail = new LinkedHashMap<>(8);
        detail.put("records", deliveries.size());
        detail.put("recipients", deliveries.stream().mapToInt(d -> (Integer) d.get("recipients")).sum());
        detail.put("deliveries", deliveries.size() <= MAX_LISTED ? deliveries : deliveries.subList(0, MAX_LISTED));
        if (routed.sync()) {
            detail.put("sync", true);
        }
        if (pushTasks > 0) {
            detail.put(TraceStage.PUSH_TASK.wireName(), pushTaskFacts(pushTasks, pushUsers));
        }
        return event(routed, TraceStage.DELIVERED, at, withRouted(detail, routedStage));
    }

    /**
     * The {@code offline_push} tasks written for a routed record that delivered nothing: how many, for how many users
     * in all.
     */
    TraceEvent pushTasks(RoutedMessage routed, int tasks, int users, Map<String, Object> routedStage, long at) {
        return event(routed, TraceStage.PUSH_TASK, at, withRouted(new LinkedHashMap<>(pushTaskFacts(tasks, users)),
                routedStage));
    }

    /** The router's {@code routed} event the record carried ({@link RoutedHeader}), when it did, as a detail. */
    private static Map<String, Object> withRouted(Map<String, Object> detail, Map<String, Object> routedStage) {
        if (routedStage != null) {
            detail.put(RoutedHeader.KEY, routedStage);
        }
        return detail;
    }

    private static Map<String, Object> pushTaskFacts(int tasks, int users) {
        return Map.of("tasks", tasks, "users", users);
    }

    private static TraceEvent event(RoutedMessage routed, TraceStage stage, long at, Map<String, Object> detail) {
        UpstreamMessage m = routed.message();
        return new TraceEvent(m.messageId(), m.fromUserId(), stage, DispatchTopology.STAGE, at, detail);
    }
}
