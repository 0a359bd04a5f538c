package io.impipeline.dispatcher.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.dispatcher.gateway.GatewayTopics;
import io.impipeline.dispatcher.gateway.GatewaysStore;
import io.impipeline.dispatcher.presence.DevicePresence;
import io.impipeline.dispatcher.presence.PresenceStore;
import io.impipeline.dispatcher.presence.UserPresence;
import io.impipeline.dispatcher.topology.DispatchMetrics.Outcome;
import io.impipeline.model.codec.Decoded;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.Rejection;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.dlq.DeadLetter;
import io.impipeline.platform.tracing.StreamTracing;
import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.GatewayHeartbeat;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.Task;
import io.micrometer.tracing.Span;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * One routed record in, its dispatch out: the recipient's devices from the presence store, kept only on live
 * gateways (and, for a sync copy, without the sending device), grouped by gateway into one downstream record each;
 * no deliverable gateway -> one {@code offline_push} task (a sync copy is dropped instead). Everything is decided
 * before anything is forwarded, so a failure dead-letters the record without a partial delivery.
 */
final class DispatchProcessor implements Processor<String, byte[], String, Dispatch> {

    static final String SPAN_NAME = "im.dispatch";

    private final Settings settings;
    private final String gatewaysStoreName;
    private ProcessorContext<String, Dispatch> context;
    private KeyValueStore<String, UserPresence> presence;
    private GatewaysStore gateways;

    /** What the processor needs besides its stores; shared by every task. */
    record Settings(WireValidator validator, GatewayTopics topics, OfflinePushes pushes, TaskKeyStrategy taskKeys,
                    long gatewayTimeoutMillis, DispatchMetrics metrics, StreamTracing tracing) {
    }

    DispatchProcessor(Settings settings, String gatewaysStoreName) {
        this.settings = settings;
        this.gatewaysStoreName = gatewaysStoreName;
    }

    @Override
    public void init(ProcessorContext<String, Dispatch> context) {
        this.context = context;
        this.presence = context.getStateStore(PresenceStore.NAME);
        this.gateways = new GatewaysStore((ReadOnlyKeyValueStore<String, ?>) context.getStateStore(gatewaysStoreName));
    }

    @Override
    public void process(Record<String, byte[]> record) {
        Span span = settings.tracing() == null ? null : settings.tracing().hop(SPAN_NAME, record.headers());
        List<Record<String, Dispatch>> out;
        try {
            out = decide(record);
        } catch (RuntimeException e) {
            out = List.of(record.withValue(new Dispatch.DeadLettered(DeadLetter.failed(record.value(), e))));
        } finally {
            if (span != null) {
                span.end();
            }
        }
        out.forEach(context::forward);
    }

    private List<Record<String, Dispatch>> decide(Record<String, byte[]> record) {
        Decoded<RoutedMessage> decoded = settings.validator().decodeRouted(record.value());
        if (!decoded.isValid()) {
            return List.of(deadLetter(record, decoded.rejection()));
        }
        RoutedMessage routed = decoded.value();
        if (!routed.recipientId().equals(record.key())) {
            // The presence of a user lives on the partition of its id: any other key would read the wrong store.
            return List.of(deadLetter(record, Rejection.of(ReasonCode.INVALID_FIELD,
                    "record key must be the recipient_id (co-partitioning with presence)")));
        }
        long now = context.currentSystemTimeMs();
        Map<String, List<String>> devicesByGateway = liveDevicesByGateway(routed, now);
        List<Record<String, Dispatch>> out = new ArrayList<>();
        devicesByGateway.forEach((gatewayId, devices) -> {
            if (settings.topics().awaitReady(gatewayId)) {
                out.add(record.withValue(new Dispatch.Delivery(gatewayId, DownstreamMessage.of(routed, devices))));
            } else {
                settings.metrics().count(Outcome.GATEWAY_NOT_READY, gatewayId);
            }
        });
        if (out.isEmpty()) {
            return nobodyToDeliverTo(record, routed);
        }
        for (Record<String, Dispatch> delivery : out) {
            settings.metrics().count(Outcome.DELIVERED, ((Dispatch.Delivery) delivery.value()).gatewayId());
            settings.metrics().latency(routed.message().timestamp(), now);
        }
        return out;
    }

    /** gateway_id -> the recipient's devices on it, for live gateways only; a sync copy skips the sending device. */
    private Map<String, List<String>> liveDevicesByGateway(RoutedMessage routed, long now) {
        Map<String, List<String>> byGateway = new TreeMap<>();
        UserPresence user = presence.get(routed.recipientId());
        if (user == null) {
            return byGateway;
        }
        String sendingDevice = routed.sync() ? routed.message().deviceId() : null;
        for (Map.Entry<String, DevicePresence> device : user.devices().entrySet()) {
            if (device.getKey().equals(sendingDevice)) {
                continue;
            }
            String gatewayId = device.getValue().gatewayId();
            GatewayHeartbeat heartbeat = gateways.get(gatewayId);
            if (heartbeat != null && heartbeat.isLive(now, settings.gatewayTimeoutMillis())) {
                byGateway.computeIfAbsent(gatewayId, g -> new ArrayList<>()).add(device.getKey());
            }
        }
        return byGateway;
    }

    private List<Record<String, Dispatch>> nobodyToDeliverTo(Record<String, byte[]> record, RoutedMessage routed) {
        if (routed.sync()) {
            // The sender's other devices are offline: they read the message from history when they come back.
            settings.metrics().count(Outcome.SYNC_DROPPED, null);
            return List.of();
        }
        settings.metrics().count(Outcome.OFFLINE, null);
        Task task = Task.offlinePush(settings.pushes().payload(routed), context.currentSystemTimeMs());
        String key = settings.taskKeys().keyOf(task, routed.recipientId());
        return List.of(record.withKey(key).withValue(new Dispatch.OfflinePush(task)));
    }

    private Record<String, Dispatch> deadLetter(Record<String, byte[]> record, Rejection rejection) {
        return record.withValue(new Dispatch.DeadLettered(DeadLetter.rejected(record.value(), rejection)));
    }
}
