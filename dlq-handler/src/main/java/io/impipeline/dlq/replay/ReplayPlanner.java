package io.impipeline.dlq.replay;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import io.impipeline.dlq.api.TimeParam;
import io.impipeline.dlq.settings.DlqProperties;
import io.impipeline.platform.web.ApiException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Checks a replay request against the cluster and turns it into offset windows: an offset range is clamped to what
 * the partition holds; a time range is located with the broker's time index ({@code offsetsForTimes}).
 */
final class ReplayPlanner {

    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(10);

    private final DlqProperties.TopicReplay config;
    private final ReplayTargets targets;

    ReplayPlanner(DlqProperties.TopicReplay config, ReplayTargets targets) {
        this.config = config;
        this.targets = targets;
    }

    ReplayPlan plan(ReplayRequest r, Consumer<byte[], byte[]> consumer) {
        String source = required("source_topic", r.sourceTopic());
        String target = required("target_topic", r.targetTopic());
        if (source.equals(target)) {
            throw ApiException.badRequest("SAME_TOPIC", "a topic cannot be replayed into itself");
        }
        boolean byOffset = r.fromOffset() != null || r.toOffset() != null;
        Instant fromTs = TimeParam.parse("from_timestamp", r.fromTimestamp());
        Instant toTs = TimeParam.parse("to_timestamp", r.toTimestamp());
        boolean byTime = fromTs != null || toTs != null;
        if (byOffset == byTime) {
            throw ApiException.invalidField("give either from_offset/to_offset or from_timestamp/to_timestamp");
        }
        checkOrder(r, fromTs, toTs);
        double rate = r.ratePerSecond() == null ? config.defaultRate() : r.ratePerSecond();
        if (!(rate > 0) || rate > config.maxRate()) {
            throw ApiException.invalidField("rate_per_second must be > 0 and <= " + config.maxRate());
        }
        // Policy before the cluster is asked anything: a refused target is refused whether it exists or not.
        targets.require("target_topic", target);
        List<TopicPartition> partitions = partitions(consumer, source, r.partitions());
        requireTopic(consumer, target, "target_topic");
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, METADATA_TIMEOUT);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, METADATA_TIMEOUT);
        Map<TopicPartition, long[]> windows = new LinkedHashMap<>();
        if (byOffset) {
            for (TopicPartition tp : partitions) {
                long start = Math.max(begin.get(tp), r.fromOffset() == null ? 0 : r.fromOffset());
                long stop = Math.min(end.get(tp), r.toOffset() == null ? Long.MAX_VALUE : r.toOffset());
                windows.put(tp, new long[] {start, Math.max(start, stop)});
            }
        } else {
            Map<TopicPartition, Long> starts = offsetsFor(consumer, partitions, fromTs, begin, end);
            // Out-of-order records: scan past the end of the range by the skew; the time filter drops the extra.
            Instant scanTo = toTs == null ? null : toTs.plus(config.timestampSkew());
            Map<TopicPartition, Long> stops = offsetsFor(consumer, partitions, scanTo, end, end);
            for (TopicPartition tp : partitions) {
                windows.put(tp, new long[] {starts.get(tp), Math.max(starts.get(tp), stops.get(tp))});
            }
        }
        return new ReplayPlan(source, target, windows, fromTs, toTs, rate);
    }

    /** First offset at or after {@code at} per partition; {@code ifNull} when no time given, the end when none. */
    private static Map<TopicPartition, Long> offsetsFor(Consumer<byte[], byte[]> consumer,
                                                        List<TopicPartition> partitions, Instant at,
                                                        Map<TopicPartition, Long> ifNull,
                                                        Map<TopicPartition, Long> end) {
        if (at == null) {
            return ifNull;
        }
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(tp -> query.put(tp, at.toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, METADATA_TIMEOUT);
        Map<TopicPartition, Long> out = new HashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp o = found.get(tp);
            out.put(tp, o == null ? end.get(tp) : Math.min(o.offset(), end.get(tp)));
        }
        return out;
    }

    private static void checkOrder(ReplayRequest r, Instant fromTs, Instant toTs) {
        if (r.fromOffset() != null && r.fromOffset() < 0 || r.toOffset() != null && r.toOffset() < 0) {
            throw ApiException.invalidField("offsets must be >= 0");
        }
        if (r.fromOffset() != null && r.toOffset() != null && r.fromOffset() > r.toOffset()) {
            throw ApiException.invalidField("from_offset must not be after to_offset");
        }
        if (fromTs != null && toTs != null && fromTs.isAfter(toTs)) {
            throw ApiException.invalidField("from_timestamp must not be after to_timestamp");
        }
    }

    private static List<TopicPartition> partitions(Consumer<byte[], byte[]> consumer, String topic,
                                                   List<Integer> wanted) {
        List<PartitionInfo> infos = requireTopic(consumer, topic, "source_topic");
        TreeSet<Integer> existing = new TreeSet<>();
        infos.forEach(p -> existing.add(p.partition()));
        List<TopicPartition> out = new ArrayList<>();
        for (Integer p : wanted == null || wanted.isEmpty() ? existing : new TreeSet<>(wanted)) {
            if (p == null || !existing.contains(p)) {
                throw ApiException.badRequest("UNKNOWN_PARTITION", "topic " + topic + " has partitions " + existing);
            }
            out.add(new TopicPartition(topic, p));
        }
        return out;
    }

    private static List<PartitionInfo> requireTopic(Consumer<byte[], byte[]> consumer, String topic, String field) {
        List<PartitionInfo> infos = consumer.listTopics(METADATA_TIMEOUT).get(topic);
        if (infos == null || infos.isEmpty()) {
            throw ApiException.badRequest("UNKNOWN_TOPIC", field + " " + topic + " does not exist");
        }
        return infos;
    }

    private static String required(String field, String value) {
        if (value == null || value.isBlank()) {
            throw ApiException.missingField(field + " is required");
        }
        return value.trim();
    }
}
