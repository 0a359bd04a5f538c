package io.impipeline.dispatcher.topology;

import java.util.LinkedHashMap;
import java.util.Map;

import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.trace.TraceStage;
import io.impipeline.model.wire.RecipientPartitions;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.UpstreamMessage;

/**
 * The dispatcher's trace events (issue 15), one per record it writes for a message: {@code delivered} per downstream
 * record (a group batch's record per gateway, not per member), {@code push_task} per {@code offline_push} task.
 * Identity: the message's ({@code from_user_id}, {@code message_id}); {@code app} = {@value DispatchTopology#STAGE}.
 * Details are ids and numbers, never content. Off ({@code im.trace.enabled=false}), {@link #on()} is false and the
 * dispatch step makes none.
 */
final class DispatchTraces {

    private final boolean on;
    private final ImTopicsProperties topics;

    DispatchTraces(boolean on, ImTopicsProperties topics) {
        this.on = on;
        this.topics = topics;
    }

    boolean on() {
        return on;
    }

    /**
     * A downstream record written. The offset is not known inside the transaction (the broker assigns it when the
     * batch is appended), so the detail names the partition: the one Kafka's default partitioner picks for the
     * record's key (murmur2) with the downstream topics' configured partition count ({@code im.topics.downstream}).
     *
     * @param key        the downstream record's key (recipient, or a group batch's conversation)
     * @param recipients users the record lists (1 for a single-chat record)
     */
    TraceEvent delivered(RoutedMessage routed, String gatewayId, String key, int recipients, long at) {
        Map<String, Object> detail = new LinkedHashMap<>(8);
        detail.put("topic", topics.downstreamTopic(gatewayId));
        detail.put("partition", RecipientPartitions.partitionOf(key,
                topics.downstreamSpec(gatewayId).partitions()));
        detail.put("recipients", recipients);
        if (routed.sync()) {
            detail.put("sync", true);
        }
        return event(routed, TraceStage.DELIVERED, at, detail);
    }

    /** An {@code offline_push} task written for {@code users} users. */
    TraceEvent pushTask(RoutedMessage routed, int users, long at) {
        return event(routed, TraceStage.PUSH_TASK, at, Map.of("users", users));
    }

    private static TraceEvent event(RoutedMessage routed, TraceStage stage, long at, Map<String, Object> detail) {
        UpstreamMessage m = routed.message();
        return new TraceEvent(m.messageId(), m.fromUserId(), stage, DispatchTopology.STAGE, at, detail);
    }
}
