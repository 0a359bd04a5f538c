package io.impipeline.model.codec;

import java.util.function.Function;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde for global tables fed by outside producers (gateway heartbeats, group membership): records are validated
 * like every outside record, and a bad one fails deserialization, so that the deserialization exception handler
 * ({@code logAndContinue}) skips it and the table keeps the last good value. A global table cannot branch to a
 * dead-letter topic inside the topology, and returning null would delete the key.
 */
public abstract class ValidatingSerde<T> implements Serde<T> {

    private final Function<byte[], Decoded<T>> decode;
    private final String what;

    protected ValidatingSerde(Function<byte[], Decoded<T>> decode, String what) {
        this.decode = decode;
        this.what = what;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, data) -> data == null ? null : WireJson.toBytes(data);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            Decoded<T> decoded = decode.apply(bytes);
            if (!decoded.isValid()) {
                throw new SerializationException("bad " + what + " on " + topic + ": "
                        + decoded.rejection().reason() + " " + decoded.rejection().detail());
            }
            return decoded.value();
        };
    }

    /** The gateway table's serde ({@code im-gateway-topic}). */
    public static final class GatewayHeartbeats extends ValidatingSerde<io.impipeline.model.wire.GatewayHeartbeat> {
        public GatewayHeartbeats() {
            super(WireValidator.withDefaults()::decodeHeartbeat, "heartbeat");
        }
    }

    /** The group table's serde ({@code im-group-topic}). */
    public static final class GroupMemberships extends ValidatingSerde<io.impipeline.model.wire.GroupMembership> {
        public GroupMemberships() {
            super(WireValidator.withDefaults()::decodeGroup, "group record");
        }
    }
}
