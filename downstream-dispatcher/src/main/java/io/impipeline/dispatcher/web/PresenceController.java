package io.impipeline.dispatcher.web;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import io.impipeline.dispatcher.gateway.GatewayState;
import io.impipeline.dispatcher.gateway.GatewayTopics;
import io.impipeline.dispatcher.gateway.GatewaysStore;
import io.impipeline.dispatcher.presence.DevicePresence;
import io.impipeline.dispatcher.presence.PresenceStore;
import io.impipeline.dispatcher.presence.UserPresence;
import io.impipeline.dispatcher.settings.DispatcherProperties;
import io.impipeline.dispatcher.topology.DispatchMetrics;
import io.impipeline.dispatcher.topology.DispatchTopology;
import io.impipeline.platform.query.StoreQueries;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.wire.GatewayHeartbeat;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import io.impipeline.platform.web.ApiError;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Interactive queries (ARCHITECTURE §6): a user's presence (answered by the instance that holds the user's
 * partition, forwarded transparently) and the gateway table (global: every instance holds all of it).
 */
@RestController
@RequestMapping("/api/v1")
public class PresenceController {

    private final StoreQueries queries;
    private final DispatcherProperties properties;
    private final ImTopicsProperties topics;
    private final GatewayTopics gatewayTopics;
    private final Clock clock;
    private final DispatchTopology topology;
    private final DispatchMetrics metrics;
    private final WireValidator validator;

    public PresenceController(StoreQueries queries, DispatcherProperties properties, ImTopicsProperties topics,
                              GatewayTopics gatewayTopics, Clock clock, DispatchTopology topology,
                              DispatchMetrics metrics, WireValidator validator) {
        this.topology = topology;
        this.metrics = metrics;
        this.validator = validator;
        this.queries = queries;
        this.properties = properties;
        this.topics = topics;
        this.gatewayTopics = gatewayTopics;
        this.clock = clock;
    }

    @GetMapping("/presence/{userId}")
    public ResponseEntity<?> presence(@PathVariable String userId, HttpServletRequest request) {
        return queries.byKey(PresenceStore.NAME, userId, Serdes.String().serializer(), this::localPresence, request);
    }

    @GetMapping("/gateways")
    public ResponseEntity<?> gateways() {
        // The table is global: this instance holds every gateway, no need to ask the others.
        try {
            return ResponseEntity.ok(localGateways());
        } catch (InvalidStateStoreException | IllegalStateException e) {
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(ApiError.of("STORE_UNAVAILABLE",
                    "store " + topology.gatewaysStoreName() + " cannot be queried now; retry shortly"));
        }
    }

    private PresenceView localPresence(String userId) {
        ReadOnlyKeyValueStore<String, UserPresence> store = queries.service()
                .getQueryableStore(PresenceStore.NAME, QueryableStoreTypes.keyValueStore());
        UserPresence user = store.get(userId);
        if (user == null) {
            return null;
        }
        GatewaysStore gateways = gatewaysStore();
        long now = clock.millis();
        List<PresenceView.Device> devices = new ArrayList<>();
        boolean online = false;
        for (Map.Entry<String, DevicePresence> d : user.devices().entrySet()) {
            GatewayHeartbeat heartbeat = gateways.get(d.getValue().gatewayId());
            GatewayState state = heartbeat == null ? GatewayState.DOWN : stateOf(heartbeat, now);
            online |= state == GatewayState.LIVE;
            devices.add(new PresenceView.Device(d.getKey(), d.getValue().gatewayId(), d.getValue().since(),
                    state.wireName()));
        }
        return new PresenceView(userId, online, devices);
    }

    /**
     * Every gateway of the table; an entry that is no usable heartbeat (see {@code UnreadableHeartbeats}) is listed
     * with state {@code unreadable} and why, and counts as down for deliveries.
     */
    private List<GatewayView> localGateways() {
        long now = clock.millis();
        GatewaysStore.Listing listing = gatewaysStore().all();
        List<GatewayView> views = new ArrayList<>();
        listing.heartbeats().forEach(h -> views.add(new GatewayView(h.gatewayId(), h.status().name().toLowerCase(),
                stateOf(h, now).wireName(), h.timestamp(), now - h.timestamp(), topics.downstreamTopic(h.gatewayId()),
                gatewayTopics.isReady(h.gatewayId()), null)));
        listing.unreadable().forEach(u -> views.add(new GatewayView(u.gatewayId(), null, GatewayView.UNREADABLE,
                null, null, topics.downstreamTopic(u.gatewayId()), gatewayTopics.isReady(u.gatewayId()),
                u.reason())));
        views.sort(Comparator.comparing(GatewayView::gatewayId));
        return views;
    }

    private GatewayState stateOf(GatewayHeartbeat heartbeat, long now) {
        return GatewayState.of(heartbeat, now, properties.gatewayTimeout().toMillis());
    }

    private GatewaysStore gatewaysStore() {
        return new GatewaysStore(queries.service().getQueryableStore(topology.gatewaysStoreName(),
                QueryableStoreTypes.keyValueStore()), validator, metrics.unreadableHeartbeats());
    }
}
