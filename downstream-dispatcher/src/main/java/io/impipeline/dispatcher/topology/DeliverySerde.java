package io.impipeline.dispatcher.topology;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes a {@link Dispatch.Delivery} as its downstream record only (the bytes it was encoded to when its size was
 * checked); the gateway id it also carries is for the {@link org.apache.kafka.streams.processor.TopicNameExtractor},
 * not for the wire. Write-only.
 */
final class DeliverySerde implements Serde<Dispatch.Delivery> {

    @Override
    public Serializer<Dispatch.Delivery> serializer() {
        return (topic, delivery) -> delivery == null ? null : delivery.encoded();
    }

    @Override
    public Deserializer<Dispatch.Delivery> deserializer() {
        return (topic, data) -> {
            throw new UnsupportedOperationException("deliveries are only written");
        };
    }
}
