package io.impipeline.launcher.chaos;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The pipeline's consumer lag, sampled every two seconds with the AdminClient: for every consumer group but the
 * simulator's ({@code gateway-*}, {@code im-sim-observer-*}) and the harness's ({@code chaos-*}), the sum over its
 * committed partitions of (log-end offset - committed offset). Transaction markers count as a record each, so an
 * idle exactly-once pipeline shows a small non-zero lag.
 */
public final class LagSampler implements AutoCloseable {

    private final Admin admin;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final AtomicLong max = new AtomicLong(-1);
    private final AtomicLong last = new AtomicLong(-1);

    private LagSampler(String bootstrapServers) {
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                10_000));
    }

    public static LagSampler start(String bootstrapServers) {
        LagSampler sampler = new LagSampler(bootstrapServers);
        sampler.timer.scheduleWithFixedDelay(sampler::sample, 0, 2, TimeUnit.SECONDS);
        return sampler;
    }

    /** A sampler that samples only when asked ({@link #lag()}). */
    public static LagSampler open(String bootstrapServers) {
        return new LagSampler(bootstrapServers);
    }

    private void sample() {
        try {
            long lag = lag();
            last.set(lag);
            max.accumulateAndGet(lag, Math::max);
        } catch (Exception e) {
            // a sample missed (broker busy): the next one counts
        }
    }

    /** Total lag of the pipeline's groups now. */
    public long lag() throws Exception {
        long total = 0;
        for (GroupListing g : admin.listGroups(ListGroupsOptions.forConsumerGroups()).all()
                .get(10, TimeUnit.SECONDS)) {
            String id = g.groupId();
            if (id.startsWith("gateway-") || id.startsWith("im-sim-observer-") || id.startsWith("chaos-")) {
                continue;
            }
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(id)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            committed.forEach((tp, o) -> {
                if (o != null) {
                    latest.put(tp, OffsetSpec.latest());
                }
            });
            if (latest.isEmpty()) {
                continue;
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                    .get(10, TimeUnit.SECONDS);
            for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e : ends.entrySet()) {
                total += Math.max(0, e.getValue().offset() - committed.get(e.getKey()).offset());
            }
        }
        return total;
    }

    /** The largest sample so far (-1: none yet). */
    public long max() {
        return max.get();
    }

    /** The latest sample (-1: none yet). */
    public long last() {
        return last.get();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.close();
    }

    static String text(long lag) {
        return lag < 0 ? "n/a" : String.valueOf(lag);
    }
}
