package io.impipeline.dlq.store;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A topic replay as stored in {@code replay_jobs} and shown by the progress endpoint.
 *
 * @param partitions per partition: the offset window {@code [start, end)} and the position reached
 * @param planned    records in the offset windows (an upper bound for a time range: out-of-range ones are skipped)
 * @param scanned    records read so far
 * @param copied     records acknowledged by the target topic
 */
public record ReplayJob(UUID id, String sourceTopic, String targetTopic, Long fromOffset, Long toOffset,
                        Instant fromTimestamp, Instant toTimestamp, double ratePerSecond, ReplayJobStatus status,
                        Map<Integer, PartitionProgress> partitions, long planned, long scanned, long copied,
                        boolean cancelRequested, String error, String owner, Instant createdAt, Instant updatedAt,
                        Instant finishedAt) {

    public record PartitionProgress(long start, long end, long position) {
    }
}
