package io.impipeline.dlq.replay;

import java.time.Instant;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;

/** What a topic replay copies: per partition the offset window [start, end), then the time filter if any. */
record ReplayPlan(String sourceTopic, String targetTopic, Map<TopicPartition, long[]> windows, Instant fromTimestamp,
                  Instant toTimestamp, double ratePerSecond) {

    boolean inTimeRange(long timestamp) {
        return (fromTimestamp == null || timestamp >= fromTimestamp.toEpochMilli())
                && (toTimestamp == null || timestamp < toTimestamp.toEpochMilli());
    }

    long planned() {
        return windows.values().stream().mapToLong(w -> Math.max(0, w[1] - w[0])).sum();
    }
}
