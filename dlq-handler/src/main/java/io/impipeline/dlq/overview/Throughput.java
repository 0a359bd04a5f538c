package io.impipeline.dlq.overview;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * Records per second of the pipeline's topics: the contract topics of every kind (upstream, routed, presence,
 * gateway, group, task, trace), their dead-letter topics and every gateway's downstream topic, from the growth of their
 * end offsets (summed over partitions) between the last two samples. Sampled on a schedule
 * ({@code im.dlq.console.throughput-interval}); the rate counts offsets, so a transaction's commit marker counts as
 * one record (the Streams apps write a few per commit interval).
 */
public class Throughput {

    private final Admin admin;
    private final ImTopicsProperties topics;
    private final Duration timeout;
    private final Clock clock;
    private volatile Sample previous;
    private volatile Sample latest;

    public Throughput(Admin admin, ImTopicsProperties topics, Duration timeout, Clock clock) {
        this.admin = admin;
        this.topics = topics;
        this.timeout = timeout;
        this.clock = clock;
    }

    public record Rate(String topic, double recordsPerSecond) {
    }

    /** End offsets summed per topic at one moment. */
    record Sample(Instant at, Map<String, Long> endOffsets) {
    }

    /** Takes a sample; the previous latest becomes the one rates are measured against. */
    public void sample() throws InterruptedException, ExecutionException, TimeoutException {
        Sample s = new Sample(clock.instant(), endOffsets(topicNames()));
        previous = latest;
        latest = s;
    }

    /** Rates between the last two samples, by topic name; empty until two samples exist. */
    public List<Rate> rates() {
        return rates(previous, latest);
    }

    static List<Rate> rates(Sample before, Sample after) {
        if (before == null || after == null) {
            return List.of();
        }
        double seconds = Duration.between(before.at(), after.at()).toMillis() / 1000.0;
        if (seconds <= 0) {
            return List.of();
        }
        List<Rate> out = new ArrayList<>();
        after.endOffsets().forEach((topic, end) -> {
            Long start = before.endOffsets().get(topic);
            if (start != null) {
                // A recreated topic starts again from 0: no rate rather than a negative one.
                out.add(new Rate(topic, Math.max(0, end - start) / seconds));
            }
        });
        out.sort(Comparator.comparing(Rate::topic));
        return out;
    }

    /** The contract topics, their dead-letter topics, and the downstream topics that exist. */
    Set<String> topicNames() throws InterruptedException, ExecutionException, TimeoutException {
        Set<String> names = new LinkedHashSet<>();
        for (TopicKind kind : TopicKind.values()) {
            names.add(topics.name(kind));
            names.add(topics.dlqTopic(kind));
        }
        String downstream = topics.downstreamTopicPrefix();
        for (String name : admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            if (name.startsWith(downstream) && !name.endsWith(topics.dlqSuffix())) {
                names.add(name);
            }
        }
        return names;
    }

    private Map<String, Long> endOffsets(Set<String> names) throws InterruptedException, TimeoutException {
        Map<String, KafkaFuture<TopicDescription>> described = admin.describeTopics(names).topicNameValues();
        Set<TopicPartition> partitions = new HashSet<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Map.Entry<String, KafkaFuture<TopicDescription>> e : described.entrySet()) {
            try {
                TopicDescription d = e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                d.partitions().forEach(p -> partitions.add(new TopicPartition(e.getKey(), p.partition())));
            } catch (ExecutionException ex) {
                // The topic does not exist (yet): not sampled.
            }
        }
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, OffsetSpec.latest()));
        ListOffsetsResult result = admin.listOffsets(request);
        Map<TopicPartition, Long> ends = ConsumerLag.collect(partitions, result::partitionResult, timeout);
        Map<String, Long> perTopic = new HashMap<>();
        ends.forEach((tp, end) -> perTopic.merge(tp.topic(), end, Long::sum));
        return perTopic;
    }
}
