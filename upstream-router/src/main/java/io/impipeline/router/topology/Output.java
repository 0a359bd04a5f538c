package io.impipeline.router.topology;

import java.util.Objects;

import io.impipeline.router.topology.RouterOutputs.Destination;

/**
 * A record ready for one of the router's output bindings ({@link RouterOutputs}): routed copies, group batches,
 * tasks, trace events. Written as its prepared bytes ({@link OutputSerde}).
 *
 * @param destination the output binding it leaves through
 * @param partition   the partition to write to, or null for Kafka's default partitioning by key. Group batches name
 *                    theirs: the partition of {@code im-routed-topic} their recipients hash to
 *                    ({@code RecipientPartitions}), which the key ({@code conversation_id}) does not give; the routed
 *                    binding's partitioner ({@link RouterOutputs#routedPartitioner()}) sends them there.
 */
public record Output(Destination destination, Integer partition, byte[] value) {

    public Output {
        Objects.requireNonNull(destination, "destination");
    }

    /** Partitioned by key, like any record. */
    static Output of(Destination destination, byte[] value) {
        return new Output(destination, null, value);
    }

    /** A trace event for {@code im-trace-topic}, as its JSON ({@code TraceEvent}); partitioned by key (message_id). */
    static Output trace(Destination destination, byte[] value) {
        return new Output(destination, null, value);
    }

    /** Written to exactly this partition of {@code im-routed-topic}. */
    static Output toRoutedPartition(int partition, byte[] value) {
        return new Output(Destination.ROUTED, partition, value);
    }
}
