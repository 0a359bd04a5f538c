package io.impipeline.dlq.overview;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * Consumer lag per group, topic and partition from the AdminClient: the pipeline's consumer groups
 * ({@code im.dlq.console.lag-groups}), their committed offsets, and each partition's end offset as a
 * {@code read_committed} consumer sees it (the last stable offset: a transaction still open is not lag a consumer
 * could close). Lag is end minus committed, never below 0. A partition without a committed offset is not listed.
 */
public class ConsumerLag {

    private final Admin admin;
    private final List<Pattern> groups;
    private final String prefix;
    private final Duration timeout;

    public ConsumerLag(Admin admin, List<Pattern> groups, String topicPrefix, Duration timeout) {
        this.admin = admin;
        this.groups = groups;
        this.prefix = topicPrefix == null ? "" : topicPrefix;
        this.timeout = timeout;
    }

    public record Lag(String group, String topic, int partition, long committedOffset, long endOffset, long lag) {
    }

    public List<Lag> measure() throws InterruptedException, ExecutionException, TimeoutException {
        List<String> ids = new ArrayList<>();
        for (GroupListing g : admin.listGroups(ListGroupsOptions.forConsumerGroups()).all()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            if (selected(g.groupId())) {
                ids.add(g.groupId());
            }
        }
        if (ids.isEmpty()) {
            return List.of();
        }
        Map<String, ListConsumerGroupOffsetsSpec> specs = new HashMap<>();
        ids.forEach(id -> specs.put(id, new ListConsumerGroupOffsetsSpec()));
        Map<String, Map<TopicPartition, OffsetAndMetadata>> committed = admin.listConsumerGroupOffsets(specs).all()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Set<TopicPartition> partitions = new HashSet<>();
        committed.values().forEach(m -> m.forEach((tp, o) -> {
            if (o != null) {
                partitions.add(tp);
            }
        }));
        Map<TopicPartition, Long> ends = endOffsets(partitions);
        List<Lag> out = new ArrayList<>();
        committed.forEach((group, offsets) -> offsets.forEach((tp, o) -> {
            Long end = ends.get(tp);
            if (o != null && end != null) {
                out.add(new Lag(group, tp.topic(), tp.partition(), o.offset(), end, Math.max(0, end - o.offset())));
            }
        }));
        out.sort(Comparator.comparing(Lag::group).thenComparing(Lag::topic).thenComparingInt(Lag::partition));
        return out;
    }

    /** Whether a group is one of the pipeline's: a pattern matches its id without the topic prefix. */
    boolean selected(String groupId) {
        String id = !prefix.isEmpty() && groupId.startsWith(prefix) ? groupId.substring(prefix.length()) : groupId;
        return groups.stream().anyMatch(p -> p.matcher(id).matches());
    }

    /** Each partition's last stable offset; a partition the broker cannot answer for (deleted topic) is left out. */
    private Map<TopicPartition, Long> endOffsets(Set<TopicPartition> partitions)
            throws InterruptedException, TimeoutException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, OffsetSpec.latest()));
        ListOffsetsResult result = admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED));
        return collect(partitions, tp -> result.partitionResult(tp), timeout);
    }

    /** The values of per-partition futures that succeed within the timeout (shared with the throughput sampler). */
    static Map<TopicPartition, Long> collect(Set<TopicPartition> partitions,
                                             java.util.function.Function<TopicPartition,
                                                     KafkaFuture<ListOffsetsResult.ListOffsetsResultInfo>> futures,
                                             Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, Long> out = new HashMap<>();
        for (TopicPartition tp : partitions) {
            try {
                out.put(tp, futures.apply(tp).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                        .offset());
            } catch (ExecutionException e) {
                // Unknown or deleted partition: nothing to show for it.
            }
        }
        return out;
    }
}
