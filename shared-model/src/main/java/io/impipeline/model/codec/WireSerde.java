package io.impipeline.model.codec;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import tools.jackson.core.JacksonException;

/**
 * JSON serde for a wire record, for outputs, state stores and internal topics: data this project wrote itself.
 * Topics that outside producers write are read as bytes and decoded with {@link WireValidator}, which never throws.
 */
public final class WireSerde<T> implements Serde<T> {

    private final Class<T> type;

    private WireSerde(Class<T> type) {
        this.type = type;
    }

    public static <T> WireSerde<T> of(Class<T> type) {
        return new WireSerde<>(type);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, data) -> data == null ? null : WireJson.toBytes(data);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            try {
                return WireJson.fromBytes(data, type);
            } catch (JacksonException e) {
                throw new SerializationException("cannot read " + type.getSimpleName() + " from " + topic, e);
            }
        };
    }
}
