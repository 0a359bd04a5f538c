package io.impipeline.router.topology;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.dlq.DeadLetter;
import io.impipeline.model.wire.GroupFanoutPayload;
import io.impipeline.model.wire.MessageType;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.Task;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.router.config.RouterProperties;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.router.metrics.RouterMetrics;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.KeyValueMapper;

/**
 * Step 7: expands a sequenced message into its outputs: one {@code persist_message} task, and the routed copies
 * (single chat: recipient plus the sender's sync copy; small group: every member but the sender) or, for a large
 * group, one {@code group_fanout} task.
 */
final class RouteStep implements KeyValueMapper<String, Addressed.Sequenced, Iterable<KeyValue<String, Step<Output>>>> {

    private final RouterProperties properties;
    private final TaskKeyStrategy taskKeys;
    private final String routedTopic;
    private final String taskTopic;
    private final RouterMetrics metrics;
    private final Clock clock;

    RouteStep(RouterProperties properties, TaskKeyStrategy taskKeys, String routedTopic, String taskTopic,
              RouterMetrics metrics, Clock clock) {
        this.properties = properties;
        this.taskKeys = taskKeys;
        this.routedTopic = routedTopic;
        this.taskTopic = taskTopic;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public Iterable<KeyValue<String, Step<Output>>> apply(String key, Addressed.Sequenced value) {
        SequencedMessage sequenced = value.sequenced();
        try {
            long now = clock.millis();
            List<KeyValue<String, Step<Output>>> out = new ArrayList<>();
            Task persist = Task.persist(sequenced, now);
            out.add(task(taskKeys.keyOf(persist, sequenced.message().conversationId()), persist));
            UpstreamMessage message = sequenced.message();
            if (!message.isGroupMessage()) {
                routeSingle(sequenced, now, out);
            } else if (value.members().size() <= properties.smallGroupMax()) {
                routeSmallGroup(sequenced, value.members(), now, out);
            } else {
                Task fanout = Task.groupFanout(new GroupFanoutPayload(message.groupId(), message.messageId(),
                        List.of(message.fromUserId()), properties.fanoutBatchSize(), sequenced), now);
                out.add(task(taskKeys.keyOf(fanout, message.groupId()), fanout));
                metrics.count(RouterMetrics.Outcome.FANOUT_TASK);
            }
            metrics.count(RouterMetrics.Outcome.ROUTED);
            return out;
        } catch (RuntimeException e) {
            metrics.count(RouterMetrics.Outcome.FAILED);
            return List.of(KeyValue.pair(key, Step.dead(DeadLetter.failed(WireJson.toBytes(sequenced.message()), e))));
        }
    }

    private void routeSingle(SequencedMessage sequenced, long now, List<KeyValue<String, Step<Output>>> out) {
        UpstreamMessage message = sequenced.message();
        out.add(routed(message.toUserId(), sequenced, false, now));
        if (wantsSyncCopy(message)) {
            out.add(routed(message.fromUserId(), sequenced, true, now));
        }
    }

    /** No copy to oneself twice, and no sync copy of a notice the pipeline made. */
    private boolean wantsSyncCopy(UpstreamMessage message) {
        return properties.senderSync() && !message.fromUserId().equals(message.toUserId())
                && !MessageType.SYSTEM_NOTICE.wireName().equals(message.messageType());
    }

    private void routeSmallGroup(SequencedMessage sequenced, List<String> members, long now,
                                 List<KeyValue<String, Step<Output>>> out) {
        String sender = sequenced.message().fromUserId();
        for (String member : members) {
            if (!member.equals(sender)) {
                out.add(routed(member, sequenced, false, now));
            }
        }
    }

    private KeyValue<String, Step<Output>> routed(String recipient, SequencedMessage sequenced, boolean sync,
                                                  long now) {
        RoutedMessage routed = RoutedMessage.to(recipient, sequenced, sync, now);
        return KeyValue.pair(recipient, Step.pass(new Output(routedTopic, WireJson.toBytes(routed))));
    }

    private KeyValue<String, Step<Output>> task(String key, Task task) {
        return KeyValue.pair(key, Step.pass(new Output(taskTopic, WireJson.toBytes(task))));
    }
}
