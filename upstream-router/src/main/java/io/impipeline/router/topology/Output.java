package io.impipeline.router.topology;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** A record ready for its output topic: routed copies, tasks. The topic is chosen per record by the single sink. */
public record Output(String topic, byte[] value) {

    /** Writes the prepared bytes; outputs are never read back by this app. */
    public static Serde<Output> serde() {
        return Serdes.serdeFrom((topic, output) -> output == null ? null : output.value(), (topic, bytes) -> {
            throw new UnsupportedOperationException("outputs are write-only");
        });
    }
}
