package io.impipeline.dispatcher.gateway;

import java.util.ArrayList;
import java.util.List;

import io.impipeline.model.codec.Decoded;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.wire.GatewayHeartbeat;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * The global gateway table's store: gateway_id -> the bytes of its latest record on {@code im-gateway-topic}, decoded
 * here, on every read, by {@link WireValidator#decodeHeartbeat} (which never throws). Read from processors by name (a
 * global store is visible to every task) and from queries; the DSL materializes it as a timestamped store, so values
 * may come wrapped in {@link ValueAndTimestamp}. Its name is the binding's {@code materialized-as} in
 * {@code application.yml}, the one place it is written; the topology reads it off the table it is given.
 * <p>
 * The table holds bytes, not heartbeats, because nothing may throw when the store is read: a global table's restore
 * puts the topic's records into the store without the deserializer, and Kafka Streams itself reads the old value of
 * a key whenever a new record for it arrives. With a validating serde, a bad heartbeat that was the latest for its key
 * at a restart made every later read throw, and the gateway's next heartbeat then killed the global stream thread.
 * An entry that cannot be used ({@link UnreadableHeartbeats}: it fails the heartbeat's validation, or is a heartbeat
 * of another gateway than its key) counts as no heartbeat (the gateway is not live), is counted and logged. A store
 * that cannot be queried at all (not running yet) still throws, so that callers can answer "retry".
 */
public final class GatewaysStore {

    private final ReadOnlyKeyValueStore<String, ?> store;
    private final WireValidator validator;
    private final UnreadableHeartbeats unreadable;

    public GatewaysStore(ReadOnlyKeyValueStore<String, ?> store, WireValidator validator,
                         UnreadableHeartbeats unreadable) {
        this.store = store;
        this.validator = validator;
        this.unreadable = unreadable;
    }

    /** An entry that is no gateway's heartbeat: its key and why ({@code ReasonCode} name or {@code KEY_MISMATCH}). */
    public record Unreadable(String gatewayId, String reason) {
    }

    /** The whole table: the usable heartbeats and the entries that are not, both in key order. */
    public record Listing(List<GatewayHeartbeat> heartbeats, List<Unreadable> unreadable) {
    }

    /** The last heartbeat of {@code gatewayId}; null when there is none or it cannot be used. */
    public GatewayHeartbeat get(String gatewayId) {
        byte[] value = bytesOf(store.get(gatewayId));
        if (value == null) {
            return null;
        }
        return read(gatewayId, value).heartbeat();
    }

    /** Every entry of the table, usable or not. */
    public Listing all() {
        List<GatewayHeartbeat> usable = new ArrayList<>();
        List<Unreadable> unusable = new ArrayList<>();
        try (KeyValueIterator<String, ?> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, ?> entry = it.next();
                byte[] value = bytesOf(entry.value);
                if (value == null) {
                    continue;
                }
                Read read = read(entry.key, value);
                if (read.heartbeat() != null) {
                    usable.add(read.heartbeat());
                } else {
                    unusable.add(new Unreadable(entry.key, read.problem()));
                }
            }
        }
        return new Listing(usable, unusable);
    }

    static final String KEY_MISMATCH = "KEY_MISMATCH";

    /** One entry read: its heartbeat, or (heartbeat null) why it is none. */
    private record Read(GatewayHeartbeat heartbeat, String problem) {
    }

    /** Decodes an entry and reports it when it cannot be used. */
    private Read read(String key, byte[] value) {
        Decoded<GatewayHeartbeat> decoded = validator.decodeHeartbeat(value);
        if (!decoded.isValid()) {
            unreadable.undecodable(key, decoded.rejection().reason());
            return new Read(null, decoded.rejection().reason().name());
        }
        if (!decoded.value().gatewayId().equals(key)) {
            unreadable.keyMismatch(key, decoded.value().gatewayId());
            return new Read(null, KEY_MISMATCH);
        }
        return new Read(decoded.value(), null);
    }

    private static byte[] bytesOf(Object value) {
        Object v = value instanceof ValueAndTimestamp<?> vt ? vt.value() : value;
        return (byte[]) v;
    }
}
