package io.impipeline.router.topology;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.dlq.DeadLetter;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.model.topics.TopicSpec;
import io.impipeline.model.wire.GroupFanoutPayload;
import io.impipeline.model.wire.MessageType;
import io.impipeline.model.wire.RecipientPartitions;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.Task;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.router.config.RouterProperties;
import io.impipeline.router.metrics.RouterMetrics;
import io.impipeline.router.metrics.RouterMetrics.Delivery;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.KeyValueMapper;

/**
 * Step 7: expands a sequenced message into its outputs: one {@code persist_message} task, and the routed records
 * (single chat: recipient plus the sender's sync copy; small group: one batch per partition of
 * {@code im-routed-topic} its members hash to, the sender left out) or, for a large group, one {@code group_fanout}
 * task. Nothing is counted until every output of the message is built, so a failure counts only as {@code failed}.
 */
final class RouteStep implements KeyValueMapper<String, Addressed.Sequenced, Iterable<KeyValue<String, Step<Output>>>> {

    private final RouterProperties properties;
    private final TaskKeyStrategy taskKeys;
    private final TopicSpec routedTopic;
    private final String taskTopic;
    private final RouterMetrics metrics;
    private final Clock clock;

    /** @param routedTopic its partition count is the one group batches are computed for (checked at start-up) */
    RouteStep(RouterProperties properties, TaskKeyStrategy taskKeys, TopicSpec routedTopic, String taskTopic,
              RouterMetrics metrics, Clock clock) {
        this.properties = properties;
        this.taskKeys = taskKeys;
        this.routedTopic = routedTopic;
        this.taskTopic = taskTopic;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** A record for {@code im-routed-topic} and what it delivers, counted once the whole message is routed. */
    private record Routed(String key, Output output, Delivery delivery, int recipients) {
    }

    @Override
    public Iterable<KeyValue<String, Step<Output>>> apply(String key, Addressed.Sequenced value) {
        SequencedMessage sequenced = value.sequenced();
        try {
            long now = clock.millis();
            UpstreamMessage message = sequenced.message();
            boolean largeGroup = message.isGroupMessage() && value.members().size() > properties.smallGroupMax();
            List<KeyValue<String, Step<Output>>> out = new ArrayList<>();
            out.add(persistTask(sequenced, now));
            List<Routed> routed = List.of();
            if (largeGroup) {
                out.add(fanoutTask(sequenced, now));
            } else {
                routed = message.isGroupMessage() ? groupBatches(sequenced, value.members(), now)
                        : singleChat(sequenced, now);
            }
            routed.forEach(r -> out.add(KeyValue.pair(r.key(), Step.pass(r.output()))));
            routed.forEach(r -> metrics.routed(r.delivery(), r.recipients()));
            if (largeGroup) {
                metrics.count(RouterMetrics.Outcome.FANOUT_TASK);
            }
            metrics.count(RouterMetrics.Outcome.ROUTED);
            return out;
        } catch (RuntimeException e) {
            metrics.count(RouterMetrics.Outcome.FAILED);
            return List.of(KeyValue.pair(key, Step.dead(DeadLetter.failed(WireJson.toBytes(sequenced.message()), e))));
        }
    }

    /** One record per recipient, keyed by the recipient: the default partitioner puts it with their presence. */
    private List<Routed> singleChat(SequencedMessage sequenced, long now) {
        UpstreamMessage message = sequenced.message();
        List<Routed> routed = new ArrayList<>();
        routed.add(single(message.toUserId(), sequenced, false, now));
        if (wantsSyncCopy(message)) {
            routed.add(single(message.fromUserId(), sequenced, true, now));
        }
        return routed;
    }

    /** No copy to oneself twice, and no sync copy of a notice the pipeline made. */
    private boolean wantsSyncCopy(UpstreamMessage message) {
        return properties.senderSync() && !message.fromUserId().equals(message.toUserId())
                && !MessageType.SYSTEM_NOTICE.wireName().equals(message.messageType());
    }

    private Routed single(String recipient, SequencedMessage sequenced, boolean sync, long now) {
        byte[] value = WireJson.toBytes(RoutedMessage.to(recipient, sequenced, sync, now));
        return new Routed(recipient, Output.of(routedTopic.name(), value), sync ? Delivery.SYNC : Delivery.SINGLE,
                1);
    }

    /**
     * One record per partition of {@code im-routed-topic} that the recipients hash to, listing them and written to
     * that partition: the dispatcher task owning it holds their presence ({@code im-presence-topic} is
     * co-partitioned). The key, {@code conversation_id}, does not choose the partition; it keeps the records of one
     * conversation recognisable and is the key of the downstream records the dispatcher derives from them.
     */
    private List<Routed> groupBatches(SequencedMessage sequenced, List<String> members, long now) {
        String conversation = sequenced.message().conversationId();
        List<Routed> routed = new ArrayList<>();
        RecipientPartitions.byPartition(recipients(members, sequenced.message().fromUserId()),
                routedTopic.partitions()).forEach((partition, batch) -> {
                    byte[] value = WireJson.toBytes(RoutedMessage.batch(batch, sequenced, now));
                    routed.add(new Routed(conversation, Output.toPartition(routedTopic.name(), partition, value),
                            Delivery.GROUP, batch.size()));
                });
        return routed;
    }

    /** Every member once (a member listed twice still gets one copy), but not the sender (the contract). */
    private static Set<String> recipients(List<String> members, String sender) {
        Set<String> recipients = new LinkedHashSet<>(members);
        recipients.remove(sender);
        return recipients;
    }

    private KeyValue<String, Step<Output>> persistTask(SequencedMessage sequenced, long now) {
        Task persist = Task.persist(sequenced, now);
        return task(taskKeys.keyOf(persist, sequenced.message().conversationId()), persist);
    }

    /** The task-worker expands the group page by page into the same per-partition batches. */
    private KeyValue<String, Step<Output>> fanoutTask(SequencedMessage sequenced, long now) {
        UpstreamMessage message = sequenced.message();
        Task fanout = Task.groupFanout(new GroupFanoutPayload(message.groupId(), message.messageId(),
                List.of(message.fromUserId()), properties.fanoutBatchSize(), sequenced), now);
        return task(taskKeys.keyOf(fanout, message.groupId()), fanout);
    }

    private KeyValue<String, Step<Output>> task(String key, Task task) {
        return KeyValue.pair(key, Step.pass(Output.of(taskTopic, WireJson.toBytes(task))));
    }
}
