package io.impipeline.dispatcher.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;

import io.impipeline.dispatcher.gateway.GatewayTopics;
import io.impipeline.dispatcher.gateway.GatewaysStore;
import io.impipeline.dispatcher.presence.PresenceStore;
import io.impipeline.dispatcher.presence.UserPresence;
import io.impipeline.model.codec.Tasks;
import io.impipeline.platform.support.LogLimiter;
import io.impipeline.dispatcher.topology.DispatchMetrics.Outcome;
import io.impipeline.model.codec.Decoded;
import io.impipeline.model.codec.Rejection;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.dlq.DeadLetter;
import io.impipeline.model.dlq.RejectedRecordException;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.model.trace.RoutedHeader;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.Task;
import io.impipeline.platform.tracing.StreamTracing;
import io.micrometer.tracing.Span;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One routed record in, its dispatch out (ARCHITECTURE §3-§4):
 * <ul>
 *   <li>single chat: the recipient's devices on deliverable gateways (a sync copy without the sending device), one
 *       downstream record per gateway, key = the recipient; nobody reachable -> one {@code offline_push} task for the
 *       recipient (a sync copy is dropped instead);</li>
 *   <li>group batch: every listed member looked up the same way, the online ones grouped by gateway into one
 *       downstream record per gateway with their devices ({@code recipients}), key = {@code conversation_id}; the
 *       offline ones -> {@code offline_push} tasks of at most 500 users.</li>
 * </ul>
 * With {@code im.trace.enabled}, each downstream record and push task is followed by its trace event
 * ({@link DispatchTraces}). A record that is invalid, or not where its recipients' presence is
 * ({@link RoutedRecordCheck}), is dead-lettered (and not traced here: the dlq-handler traces dead letters).
 * Everything is decided before anything is forwarded, so a failure dead-letters the record without a partial
 * delivery; all outputs then leave through the topology's {@code to(...)} in one exactly-once transaction.
 */
final class DispatchProcessor implements Processor<String, byte[], String, Dispatch> {

    static final String SPAN_NAME = "im.dispatch";

    private static final Logger log = LoggerFactory.getLogger(DispatchProcessor.class);
    /** Shared by every task: one line a minute per gateway (topic not ready) or per exception class. */
    private static final LogLimiter LOG_LIMIT = new LogLimiter(Duration.ofMinutes(1));

    private final Settings settings;
    private final String gatewaysStoreName;
    private ProcessorContext<String, Dispatch> context;
    private KeyValueStore<String, UserPresence> presence;
    private GatewaysStore gateways;

    /** What the processor needs besides its stores; shared by every task. */
    record Settings(WireValidator validator, RoutedRecordCheck check, GatewayTopics topics, DownstreamEncoder encoder,
                    OfflinePushes pushes, TaskKeyStrategy taskKeys, long gatewayTimeoutMillis,
                    DispatchMetrics metrics, StreamTracing tracing, DispatchTraces traces) {
    }

    DispatchProcessor(Settings settings, String gatewaysStoreName) {
        this.settings = settings;
        this.gatewaysStoreName = gatewaysStoreName;
    }

    @Override
    public void init(ProcessorContext<String, Dispatch> context) {
        this.context = context;
        this.presence = context.getStateStore(PresenceStore.NAME);
        this.gateways = new GatewaysStore((ReadOnlyKeyValueStore<String, ?>) context.getStateStore(gatewaysStoreName),
                settings.validator(), settings.metrics().unreadableHeartbeats());
    }

    @Override
    public void process(Record<String, byte[]> record) {
        Span span = settings.tracing() == null ? null : settings.tracing().hop(SPAN_NAME, record.headers());
        // Off the record whether trace is on or not: the downstream records and push tasks made of it never carry it.
        RoutedHeader.Carried routedStage = RoutedHeader.take(record.headers());
        List<Record<String, Dispatch>> out;
        try {
            out = decide(record, routedStage);
        } catch (RejectedRecordException e) {
            out = List.of(deadLetter(record, e.rejection()));
        } catch (RuntimeException e) {
            logFailure(e);
            out = List.of(record.withValue(new Dispatch.DeadLettered(DeadLetter.failed(record.value(), e))));
        } finally {
            if (span != null) {
                span.end();
            }
        }
        if (routedStage != null && out.size() == 1 && out.get(0).value() instanceof Dispatch.DeadLettered) {
            // A dead letter keeps the routed record's headers as they were: replayed, it carries its stage again.
            routedStage.restore(out.get(0).headers());
        }
        out.forEach(context::forward);
    }

    private List<Record<String, Dispatch>> decide(Record<String, byte[]> record, RoutedHeader.Carried routedStage) {
        Decoded<RoutedMessage> decoded = settings.validator().decodeRouted(record.value());
        if (!decoded.isValid()) {
            return List.of(deadLetter(record, decoded.rejection()));
        }
        RoutedMessage routed = decoded.value();
        Optional<Rejection> misplaced = settings.check().check(record.key(), routed, sourcePartition());
        if (misplaced.isPresent()) {
            return List.of(deadLetter(record, misplaced.get()));
        }
        long now = context.currentSystemTimeMs();
        Reach reach = new Reach(presence, gateways, settings, now);
        List<Record<String, Dispatch>> out = routed.isBatch()
                ? dispatchBatch(record, routed, reach, now)
                : dispatchSingle(record, routed, reach, now);
        count(out, routed, now);
        reportNotReady(reach, routed, out);
        return settings.traces().on(routed) ? withTraces(out, routed, carriedFacts(routedStage, routed),
                record.timestamp(), now) : out;
    }

    /** The router's {@code routed} event the record carried, or null; one that does not read is counted and logged. */
    private Map<String, Object> carriedFacts(RoutedHeader.Carried routedStage, RoutedMessage routed) {
        if (routedStage == null) {
            return null;
        }
        if (!routedStage.readable()) {
            settings.metrics().unreadableRoutedStage();
            long suppressed = LOG_LIMIT.permit("routed-stage");
            if (suppressed >= 0) {
                log.warn("routed record of message {} from {} carries an unreadable {} header: its routed stage is "
                        + "not traced; {} similar lines suppressed", routed.message().messageId(),
                        routed.message().fromUserId(), RoutedHeader.HEADER, suppressed);
            }
            return null;
        }
        return routedStage.facts();
    }

    /**
     * The records and, after them, one trace event: {@code delivered} listing every downstream record (carrying
     * {@code push_task}, the push tasks counted, when there are some), or {@code push_task} alone; either carries the
     * router's {@code routed} event when the record brought it ({@link RoutedHeader}), which is written alone when
     * the record made nothing. Keyed by message_id, without the routed record's headers (a trace record needs none).
     */
    private List<Record<String, Dispatch>> withTraces(List<Record<String, Dispatch>> out, RoutedMessage routed,
                                                      Map<String, Object> routedStage, long timestamp,
                                                      long now) {
        List<Map<String, Object>> deliveries = new ArrayList<>(out.size());
        int pushTasks = 0;
        int pushUsers = 0;
        for (Record<String, Dispatch> record : out) {
            if (record.value() instanceof Dispatch.Delivery delivery) {
                deliveries.add(settings.traces().delivery(delivery.gatewayId(), record.key(),
                        recipientsOf(delivery)));
            } else if (record.value() instanceof Dispatch.OfflinePush push) {
                pushTasks++;
                pushUsers += push.users();
            }
        }
        if (deliveries.isEmpty() && pushTasks == 0) {
            if (routedStage == null) {
                return out;
            }
            return List.of(trace(RoutedHeader.event(routed.message().messageId(), routed.message().fromUserId(),
                    routedStage), timestamp));
        }
        List<Record<String, Dispatch>> traced = new ArrayList<>(out.size() + 1);
        traced.addAll(out);
        TraceEvent event = deliveries.isEmpty()
                ? settings.traces().pushTasks(routed, pushTasks, pushUsers, routedStage, now)
                : settings.traces().delivered(routed, deliveries, pushTasks, pushUsers, routedStage, now);
        traced.add(trace(event, timestamp));
        return traced;
    }

    private static Record<String, Dispatch> trace(TraceEvent event, long timestamp) {
        return new Record<>(event.messageId(), new Dispatch.Traced(event), timestamp, new RecordHeaders());
    }

    private static int recipientsOf(Dispatch.Delivery delivery) {
        return delivery.message().isGroupBatch() ? delivery.message().recipients().size() : 1;
    }

    /** Single chat: one record per gateway of the recipient (key unchanged: the recipient), else a push. */
    private List<Record<String, Dispatch>> dispatchSingle(Record<String, byte[]> record, RoutedMessage routed,
                                                          Reach reach, long now) {
        String sendingDevice = routed.sync() ? routed.message().deviceId() : null;
        List<Record<String, Dispatch>> out = new ArrayList<>();
        reach.devicesByGateway(routed.recipientId(), sendingDevice).forEach((gatewayId, devices) ->
                out.add(record.withValue(settings.encoder().single(gatewayId, routed, devices))));
        if (!out.isEmpty()) {
            return out;
        }
        if (routed.sync()) {
            // The sender's other devices are offline: they read the message from history when they come back.
            settings.metrics().count(Outcome.SYNC_DROPPED, null);
            return List.of();
        }
        return pushes(record, routed, List.of(routed.recipientId()), now);
    }

    /** Group batch: a record per gateway with its recipients (key unchanged: the conversation), pushes for the rest. */
    private List<Record<String, Dispatch>> dispatchBatch(Record<String, byte[]> record, RoutedMessage routed,
                                                         Reach reach, long now) {
        GroupAudience audience = GroupAudience.of(routed, reach);
        List<Record<String, Dispatch>> out = new ArrayList<>();
        audience.online().forEach((gatewayId, recipients) -> settings.encoder().group(gatewayId, routed, recipients)
                .forEach(delivery -> out.add(record.withValue(delivery))));
        out.addAll(pushes(record, routed, audience.offline(), now));
        return out;
    }

    private List<Record<String, Dispatch>> pushes(Record<String, byte[]> record, RoutedMessage routed,
                                                  List<String> users, long now) {
        List<Record<String, Dispatch>> out = new ArrayList<>();
        for (List<String> batch : OfflinePushes.batches(users)) {
            Task task = settings.pushes().task(routed, batch, now);
            // The entity key of a batch is its first user, as in its task id: pushes spread over the partitions.
            String key = settings.taskKeys().keyOf(task, batch.get(0));
            out.add(record.withKey(key).withValue(new Dispatch.OfflinePush(task, batch.size())));
        }
        return out;
    }

    /** Counted once everything is decided: a record that fails on the way is counted as dead-lettered only. */
    private void count(List<Record<String, Dispatch>> out, RoutedMessage routed, long now) {
        for (Record<String, Dispatch> record : out) {
            if (record.value() instanceof Dispatch.Delivery delivery) {
                settings.metrics().delivered(delivery.gatewayId(), recipientsOf(delivery));
                settings.metrics().latency(routed.message().timestamp(), now);
            } else if (record.value() instanceof Dispatch.OfflinePush push) {
                settings.metrics().pushed(push.users());
            }
        }
    }

    /**
     * Live gateways left out because their topic was not ready (ARCHITECTURE §4, docs): their devices miss this
     * message's real-time copy; a user reached nowhere else was pushed. Counted per gateway (records and users) and
     * logged (ids only, at most once a minute per gateway), so that a gap is never silent.
     */
    private void reportNotReady(Reach reach, RoutedMessage routed, List<Record<String, Dispatch>> out) {
        if (reach.notReady().isEmpty()) {
            return;
        }
        Set<String> pushed = new HashSet<>();
        for (Record<String, Dispatch> record : out) {
            if (record.value() instanceof Dispatch.OfflinePush push) {
                pushed.addAll(Tasks.offlinePushPayload(push.task()).userIds());
            }
        }
        reach.notReady().forEach((gatewayId, users) -> {
            settings.metrics().notReady(gatewayId, users.size());
            long suppressed = LOG_LIMIT.permit("not-ready|" + gatewayId);
            if (suppressed >= 0) {
                long alsoPushed = users.stream().filter(pushed::contains).count();
                log.warn("gateway {} is live but its topic is not ready: message {} from {} (seq {}) is not delivered "
                        + "there to {} user(s) ({} pushed as reached nowhere else, {} reached on other gateways only; "
                        + "e.g. {}); {} similar lines suppressed", gatewayId, routed.message().messageId(),
                        routed.message().fromUserId(), routed.seq(), users.size(), alsoPushed,
                        users.size() - alsoPushed, first(users), suppressed);
            }
        });
    }

    private static String first(SortedSet<String> users) {
        return users.isEmpty() ? "-" : users.first();
    }

    private void logFailure(RuntimeException e) {
        long suppressed = LOG_LIMIT.permit("failure|" + e.getClass().getName());
        if (suppressed >= 0) {
            RecordMetadata meta = context.recordMetadata().orElse(null);
            log.warn("routed record failed and is dead-lettered (PROCESSING_ERROR): {}-{}@{}; {} similar lines "
                    + "suppressed", meta == null ? "?" : meta.topic(), meta == null ? -1 : meta.partition(),
                    meta == null ? -1 : meta.offset(), suppressed, e);
        }
    }

    private int sourcePartition() {
        // Present for every record read from a topic, which is the only way into this processor.
        return context.recordMetadata().map(RecordMetadata::partition)
                .orElseThrow(() -> new IllegalStateException("a routed record without its source partition"));
    }

    private Record<String, Dispatch> deadLetter(Record<String, byte[]> record, Rejection rejection) {
        return record.withValue(new Dispatch.DeadLettered(DeadLetter.rejected(record.value(), rejection)));
    }
}
