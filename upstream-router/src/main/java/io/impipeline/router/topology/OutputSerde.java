package io.impipeline.router.topology;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes an {@link Output} as its prepared bytes; the destination and partition it also carries are for the
 * topology and the routed binding's partitioner, not for the wire. Write-only: outputs are never read back by this
 * app. Public with a no-argument constructor because {@code application.yml} names it as the output bindings'
 * {@code value-serde} (the binder instantiates it by class name).
 */
public final class OutputSerde implements Serde<Output> {

    @Override
    public Serializer<Output> serializer() {
        return (topic, output) -> output == null ? null : output.value();
    }

    @Override
    public Deserializer<Output> deserializer() {
        return (topic, data) -> {
            throw new UnsupportedOperationException("outputs are write-only");
        };
    }
}
