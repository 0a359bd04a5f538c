package io.impipeline.dispatcher.topology;

import io.impipeline.model.codec.Decoded;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.wire.GatewayHeartbeat;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde of the gateway table. Heartbeats come from gateways, so they are validated like every outside record; a
 * bad one fails deserialization and is skipped by the deserialization exception handler ({@code logAndContinue}),
 * which keeps the last good heartbeat of that gateway in the table. A global table cannot branch to a dead-letter
 * topic inside the topology.
 */
public final class HeartbeatSerde implements Serde<GatewayHeartbeat> {

    private final WireValidator validator = WireValidator.withDefaults();

    @Override
    public Serializer<GatewayHeartbeat> serializer() {
        return (topic, data) -> data == null ? null : WireJson.toBytes(data);
    }

    @Override
    public Deserializer<GatewayHeartbeat> deserializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            Decoded<GatewayHeartbeat> decoded = validator.decodeHeartbeat(data);
            if (!decoded.isValid()) {
                throw new SerializationException("bad heartbeat on " + topic + ": " + decoded.rejection().reason()
                        + " " + decoded.rejection().detail());
            }
            return decoded.value();
        };
    }
}
