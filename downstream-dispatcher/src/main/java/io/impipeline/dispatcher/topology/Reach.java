package io.impipeline.dispatcher.topology;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

import io.impipeline.dispatcher.gateway.GatewaysStore;
import io.impipeline.dispatcher.presence.DevicePresence;
import io.impipeline.dispatcher.presence.UserPresence;
import io.impipeline.model.wire.GatewayHeartbeat;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Where users can be reached now, for one routed record: their devices from the presence store, on deliverable
 * gateways only (last heartbeat {@code up} and younger than the gateway timeout, and the gateway's topic ready).
 * Each gateway is judged once per record: a group batch names many users on few gateways, and a wait for a topic in
 * creation must happen at most once per gateway to stay within the transaction timeout.
 * <p>
 * A live gateway whose topic is not ready is left out like a dead one, but not silently: the users who had devices
 * there are remembered ({@link #notReady()}) so that the record's outcome can count and log them.
 */
final class Reach {

    /** How a gateway is judged for the record. */
    enum Verdict { DELIVERABLE, NOT_LIVE, TOPIC_NOT_READY }

    private final KeyValueStore<String, UserPresence> presence;
    private final GatewaysStore gateways;
    private final DispatchProcessor.Settings settings;
    private final long now;
    private final Map<String, Verdict> verdicts = new HashMap<>();
    private final SortedMap<String, SortedSet<String>> notReady = new TreeMap<>();

    Reach(KeyValueStore<String, UserPresence> presence, GatewaysStore gateways, DispatchProcessor.Settings settings,
          long now) {
        this.presence = presence;
        this.gateways = gateways;
        this.settings = settings;
        this.now = now;
    }

    /**
     * gateway_id -> the user's devices on it, both sorted (stable records), deliverable gateways only; empty when
     * the user cannot be reached. {@code skipDevice} (may be null) is left out: the sending device of a sync copy.
     */
    SortedMap<String, List<String>> devicesByGateway(String userId, String skipDevice) {
        SortedMap<String, List<String>> byGateway = new TreeMap<>();
        UserPresence user = presence.get(userId);
        if (user == null) {
            return byGateway;
        }
        // UserPresence keeps its devices sorted, so each gateway's list comes out sorted.
        for (Map.Entry<String, DevicePresence> device : user.devices().entrySet()) {
            if (device.getKey().equals(skipDevice)) {
                continue;
            }
            String gatewayId = device.getValue().gatewayId();
            Verdict verdict = verdicts.computeIfAbsent(gatewayId, this::judge);
            if (verdict == Verdict.DELIVERABLE) {
                byGateway.computeIfAbsent(gatewayId, g -> new ArrayList<>()).add(device.getKey());
            } else if (verdict == Verdict.TOPIC_NOT_READY) {
                notReady.computeIfAbsent(gatewayId, g -> new TreeSet<>()).add(userId);
            }
        }
        return byGateway;
    }

    /** Live gateways left out because their topic was not ready -> the users whose devices there got nothing. */
    SortedMap<String, SortedSet<String>> notReady() {
        return notReady;
    }

    private Verdict judge(String gatewayId) {
        GatewayHeartbeat heartbeat = gateways.get(gatewayId);
        if (heartbeat == null || !heartbeat.isLive(now, settings.gatewayTimeoutMillis())) {
            return Verdict.NOT_LIVE;
        }
        return settings.topics().awaitReady(gatewayId) ? Verdict.DELIVERABLE : Verdict.TOPIC_NOT_READY;
    }
}
