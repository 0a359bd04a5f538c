package io.impipeline.router.topology;

import java.util.Optional;
import java.util.Set;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * A record ready for its output topic: routed copies, group batches, tasks. The single sink chooses the topic per
 * record and, through {@link #partitioner()}, the partition.
 *
 * @param partition the partition to write to, or null for Kafka's default partitioning by key. Group batches name
 *                  theirs: the partition their recipients hash to ({@code RecipientPartitions}), which the key
 *                  ({@code conversation_id}) does not give.
 */
public record Output(String topic, Integer partition, byte[] value) {

    /** Partitioned by key, like any record. */
    static Output of(String topic, byte[] value) {
        return new Output(topic, null, value);
    }

    /** Written to exactly this partition. */
    static Output toPartition(String topic, int partition, byte[] value) {
        return new Output(topic, partition, value);
    }

    /** Writes the prepared bytes; outputs are never read back by this app. */
    public static Serde<Output> serde() {
        return Serdes.serdeFrom((topic, output) -> output == null ? null : output.value(), (topic, bytes) -> {
            throw new UnsupportedOperationException("outputs are write-only");
        });
    }

    /**
     * The sink's partitioner: an output's own partition when it names one, otherwise empty, which makes Kafka
     * Streams leave the choice to the producer's default partitioner (murmur2 of the key), as without a partitioner.
     */
    public static StreamPartitioner<String, Output> partitioner() {
        return (topic, key, output, numPartitions) ->
                output.partition() == null ? Optional.empty() : Optional.of(Set.of(output.partition()));
    }
}
