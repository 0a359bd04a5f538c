package io.impipeline.dispatcher.gateway;

import java.util.ArrayList;
import java.util.List;

import io.impipeline.model.wire.GatewayHeartbeat;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * The global gateway table's store: gateway_id -> last heartbeat. Read from processors by name (a global store is
 * visible to every task) and from queries; the DSL materializes it as a timestamped store, so values may come
 * wrapped in {@link ValueAndTimestamp}. Its name is the binding's {@code materialized-as} in
 * {@code application.yml}, the one place it is written; the topology reads it off the table it is given.
 */
public final class GatewaysStore {

    private final ReadOnlyKeyValueStore<String, ?> store;

    public GatewaysStore(ReadOnlyKeyValueStore<String, ?> store) {
        this.store = store;
    }

    public GatewayHeartbeat get(String gatewayId) {
        return unwrap(store.get(gatewayId));
    }

    public List<GatewayHeartbeat> all() {
        List<GatewayHeartbeat> all = new ArrayList<>();
        try (KeyValueIterator<String, ?> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, ?> entry = it.next();
                GatewayHeartbeat heartbeat = unwrap(entry.value);
                if (heartbeat != null) {
                    all.add(heartbeat);
                }
            }
        }
        return all;
    }

    private static GatewayHeartbeat unwrap(Object value) {
        Object v = value instanceof ValueAndTimestamp<?> vt ? vt.value() : value;
        return (GatewayHeartbeat) v;
    }
}
