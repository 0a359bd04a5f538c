package io.impipeline.dlq.replay;

import java.util.List;

/**
 * {@code POST /api/v1/replays}: copy {@code source_topic} (these partitions, all when absent) into
 * {@code target_topic}, either an offset range ({@code from_offset} inclusive, {@code to_offset} exclusive; each
 * defaults to the partition's start or current end) or a time range ({@code from_timestamp} inclusive,
 * {@code to_timestamp} exclusive; ISO-8601 or epoch milliseconds), at {@code rate_per_second}.
 */
public record ReplayRequest(String sourceTopic, List<Integer> partitions, Long fromOffset, Long toOffset,
                            String fromTimestamp, String toTimestamp, String targetTopic, Double ratePerSecond) {
}
