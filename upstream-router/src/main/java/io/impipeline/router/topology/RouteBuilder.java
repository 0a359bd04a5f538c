package io.impipeline.router.topology;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import io.impipeline.model.codec.Tasks;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.model.topics.TopicSpec;
import io.impipeline.model.trace.RoutedHeader;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.wire.GroupFanoutPayload;
import io.impipeline.model.wire.MessageType;
import io.impipeline.model.wire.RecipientPartitions;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.Task;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.router.metrics.RouterMetrics;
import io.impipeline.router.metrics.RouterMetrics.Delivery;
import io.impipeline.router.settings.RouterProperties;
import io.impipeline.router.topology.RouterOutputs.Destination;
import org.apache.kafka.streams.KeyValue;

/**
 * Builds the outputs of a sequenced message: one {@code persist_message} task, and the routed records (single chat:
 * recipient plus the sender's sync copy; small group: one batch per partition of {@code im-routed-topic} its members
 * hash to, the sender left out) or, for a large group, one {@code group_fanout} task. Building has no effect:
 * {@link SequenceProcessor} builds, measures every record, and only then stores the seq, writes and
 * {@link #count counts}.
 */
final class RouteBuilder {

    private final RouterProperties properties;
    private final TaskKeyStrategy taskKeys;
    private final TopicSpec routedTopic;
    private final String taskTopic;
    private final RouterMetrics metrics;
    private final Clock clock;

    /** @param routedTopic its partition count is the one group batches are computed for (checked at start-up) */
    RouteBuilder(RouterProperties properties, TaskKeyStrategy taskKeys, TopicSpec routedTopic, String taskTopic,
                 RouterMetrics metrics, Clock clock) {
        this.properties = properties;
        this.taskKeys = taskKeys;
        this.routedTopic = routedTopic;
        this.taskTopic = taskTopic;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** A record for {@code im-routed-topic} and what it delivers, counted once the whole message is routed. */
    record Routed(String key, Output output, Delivery delivery, int recipients) {
    }

    /**
     * Every record of one message, tasks first, in the order they are written.
     *
     * @param records the records with their keys
     */
    record Route(List<KeyValue<String, Output>> records, List<Routed> routed, boolean fanout) {
    }

    Route build(SequencedMessage sequenced, List<String> members) {
        long now = clock.millis();
        UpstreamMessage message = sequenced.message();
        boolean largeGroup = message.isGroupMessage() && members.size() > properties.smallGroupMax();
        List<KeyValue<String, Output>> out = new ArrayList<>();
        out.add(persistTask(sequenced, now));
        List<Routed> routed = List.of();
        if (largeGroup) {
            out.add(fanoutTask(sequenced, now));
        } else {
            routed = message.isGroupMessage() ? groupBatches(sequenced, members, now) : singleChat(sequenced, now);
        }
        routed.forEach(r -> out.add(KeyValue.pair(r.key(), r.output())));
        return new Route(out, routed, largeGroup);
    }

    /** The name of the topic a destination's binding writes (for messages about a record). */
    String topicOf(Destination destination) {
        return switch (destination) {
            case ROUTED -> routedTopic.name();
            case TASK -> taskTopic;
            case ADMISSION_TRACE, ROUTE_TRACE -> throw new IllegalArgumentException("trace events are not measured");
        };
    }

    /**
     * The {@code routed} trace event of a route that was written (null when trace is off): seq, users it goes to
     * (the sender's sync copy flagged, not counted), the partitions of {@code im-routed-topic} written (a single-chat
     * copy goes where Kafka's default partitioner puts its key, a group batch where it names), tasks written.
     */
    TraceEvent trace(RouterTraces traces, Route route, SequencedMessage sequenced, List<String> members,
                     AcceptedHeader accepted) {
        if (!traces.on()) {
            return null;
        }
        UpstreamMessage message = sequenced.message();
        int recipients = 0;
        boolean sync = false;
        Set<Integer> partitions = new TreeSet<>();
        for (Routed r : route.routed()) {
            if (r.delivery() == Delivery.SYNC) {
                sync = true;
            } else {
                recipients += r.recipients();
            }
            partitions.add(r.output().partition() != null ? r.output().partition()
                    : RecipientPartitions.partitionOf(r.key(), routedTopic.partitions()));
        }
        if (route.fanout()) {
            recipients = recipients(members, message.fromUserId()).size();
        }
        int tasks = (int) route.records().stream().filter(kv -> kv.value.destination() == Destination.TASK).count();
        return traces.routed(message, sequenced.acceptedAt(), sequenced.seq(), recipients, List.copyOf(partitions),
                tasks, sync, route.fanout(), accepted);
    }

    /**
     * The output that carries the route's {@code routed} trace event in a header ({@link RoutedHeader}) instead of a
     * trace record of its own: a single chat's copy for the recipient, or a small group's batch with the fewest
     * recipients (the smallest record, so the header is the least likely to take it over the record limit). The
     * dispatcher puts it into the event it writes for that record (its delivery or push task), or writes it alone
     * when the record made neither. Null for a large group, whose routing the fan-out task does: its event stays a
     * record.
     */
    Output carrier(Route route) {
        Routed carrier = null;
        for (Routed r : route.routed()) {
            if (r.delivery() == Delivery.SINGLE) {
                return r.output();
            }
            if (r.delivery() == Delivery.GROUP && (carrier == null || r.recipients() < carrier.recipients())) {
                carrier = r;
            }
        }
        return carrier == null ? null : carrier.output();
    }

    /** Counts a route that was written. */
    void count(Route route) {
        route.routed().forEach(r -> metrics.routed(r.delivery(), r.recipients()));
        if (route.fanout()) {
            metrics.count(RouterMetrics.Outcome.FANOUT_TASK);
        }
        metrics.count(RouterMetrics.Outcome.ROUTED);
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
        return new Routed(recipient, Output.of(Destination.ROUTED, value), sync ? Delivery.SYNC : Delivery.SINGLE,
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
                    routed.add(new Routed(conversation, Output.toRoutedPartition(partition, value),
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

    private KeyValue<String, Output> persistTask(SequencedMessage sequenced, long now) {
        Task persist = Tasks.persist(sequenced, now);
        return task(taskKeys.keyOf(persist, sequenced.message().conversationId()), persist);
    }

    /** The task-worker expands the group page by page into the same per-partition batches. */
    private KeyValue<String, Output> fanoutTask(SequencedMessage sequenced, long now) {
        UpstreamMessage message = sequenced.message();
        Task fanout = Tasks.groupFanout(new GroupFanoutPayload(message.groupId(), message.messageId(),
                List.of(message.fromUserId()), properties.fanoutBatchSize(), sequenced), now);
        return task(taskKeys.keyOf(fanout, message.groupId()), fanout);
    }

    private KeyValue<String, Output> task(String key, Task task) {
        return KeyValue.pair(key, Output.of(Destination.TASK, WireJson.toBytes(task)));
    }
}
