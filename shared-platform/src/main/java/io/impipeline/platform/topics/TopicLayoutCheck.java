package io.impipeline.platform.topics;

import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.topics.TopicSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks, before the streams start, that topics that must be co-partitioned have the same partition count, and
 * that provisioned topics have the partitions configured. Kafka Streams joins silently give wrong answers on
 * mismatched partitioning, so a mismatch stops the app with a message that says what to fix.
 */
public final class TopicLayoutCheck {

    private static final Logger log = LoggerFactory.getLogger(TopicLayoutCheck.class);
    private static final long DESCRIBE_TIMEOUT_SECONDS = 30;
    private static final long RETRY_MILLIS = 500;

    private final ImTopicsProperties topics;

    public TopicLayoutCheck(ImTopicsProperties topics) {
        this.topics = topics;
    }

    public void verify(Admin admin) {
        List<String> problems = new ArrayList<>();
        for (List<String> group : topics.coPartitioned()) {
            Map<String, Integer> counts = partitionCounts(admin, group.stream().map(topics::resolve)
                    .map(TopicSpec::name).toList());
            if (counts.values().stream().distinct().count() > 1) {
                problems.add("topics " + counts + " must be co-partitioned (same number of partitions) because the "
                        + "app joins them by key; recreate or repartition them to one count and set "
                        + "im.topics.specs.<kind>.partitions to match");
            }
        }
        for (String entry : topics.provision()) {
            TopicSpec spec = topics.resolve(entry);
            int actual = partitionCounts(admin, List.of(spec.name())).get(spec.name());
            if (actual != spec.partitions()) {
                log.warn("topic {} has {} partitions but {} are configured; the existing count is used",
                        spec.name(), actual, spec.partitions());
            }
        }
        if (!problems.isEmpty()) {
            throw new TopicMisconfiguredException(String.join("; ", problems));
        }
    }

    private static Map<String, Integer> partitionCounts(Admin admin, List<String> names) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DESCRIBE_TIMEOUT_SECONDS);
        try {
            while (true) {
                try {
                    Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames()
                            .get(DESCRIBE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    Map<String, Integer> counts = new LinkedHashMap<>();
                    names.forEach(n -> counts.put(n, described.get(n).partitions().size()));
                    return counts;
                } catch (ExecutionException e) {
                    // A topic another app (or this one) has just created may not be in every broker's metadata yet.
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(RETRY_MILLIS);
                }
            }
        } catch (ExecutionException e) {
            throw new TopicMisconfiguredException("cannot describe topics " + names + ": " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new TopicMisconfiguredException("timed out describing topics " + names);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicMisconfiguredException("interrupted while describing topics " + names);
        }
    }
}
