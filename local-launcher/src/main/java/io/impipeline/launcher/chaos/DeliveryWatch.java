package io.impipeline.launcher.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.wire.DownstreamMessage;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The harness's own view of the gateway topics, independent of the simulator's gateways: one {@code read_committed}
 * consumer without a group (assigned partitions, so no group coordinator to lose when a broker dies) on every
 * {@code im-downstream-topic-*}, new topics picked up every two seconds and read from their beginning. It notes, for
 * every record, the message id, the client {@code timestamp} and when the record became readable here.
 * "Readable in the gateway topic" is what the pipeline promises; the simulated gateway reads the same records.
 */
public final class DeliveryWatch implements AutoCloseable {

    /** One downstream record as seen here. */
    public record Arrival(String messageId, String conversationId, long clientTimestamp, long receivedAt,
                          String topic) {
    }

    /**
     * What arrived of the messages sent in a time window.
     *
     * @param messages distinct messages sent in the window that arrived
     * @param first    from the window's start to the first arrival (null: none arrived)
     * @param last     from the window's start to the arrival of the last of them (null: none arrived)
     * @param maxLatencyMillis the largest client timestamp to arrival time of them
     */
    public record Window(long messages, Duration first, Duration last, long maxLatencyMillis) {
    }

    private static final Duration POLL = Duration.ofMillis(100);
    private static final long REFRESH_TOPICS_MS = 2_000;

    private final String bootstrapServers;
    private final String prefix;
    private final ConcurrentLinkedQueue<Arrival> arrivals = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong lastArrivalAt = new AtomicLong();
    private final Thread thread;

    private DeliveryWatch(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        this.prefix = ImTopicsProperties.defaults().downstreamTopicPrefix();
        this.thread = new Thread(this::run, "chaos-delivery-watch");
        this.thread.setDaemon(true);
    }

    public static DeliveryWatch start(String bootstrapServers) {
        DeliveryWatch watch = new DeliveryWatch(bootstrapServers);
        watch.thread.start();
        return watch;
    }

    private void run() {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.METADATA_MAX_AGE_CONFIG, 2_000),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            Set<TopicPartition> assigned = new HashSet<>();
            long nextRefresh = 0;
            while (running.get()) {
                if (System.currentTimeMillis() >= nextRefresh) {
                    nextRefresh = System.currentTimeMillis() + REFRESH_TOPICS_MS;
                    refresh(consumer, assigned);
                }
                if (assigned.isEmpty()) {
                    Thread.sleep(POLL.toMillis());
                    continue;
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
                    long now = System.currentTimeMillis();
                    try {
                        DownstreamMessage m = WireJson.fromBytes(r.value(), DownstreamMessage.class);
                        arrivals.add(new Arrival(m.messageId(), m.conversationId(), m.timestamp(), now, r.topic()));
                        lastArrivalAt.set(now);
                    } catch (RuntimeException undecodable) {
                        // the simulator's checker reports undecodable records; here they carry no timing
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (running.get()) {
                System.err.println("chaos delivery watch stopped: " + e);
            }
        }
    }

    private void refresh(KafkaConsumer<String, byte[]> consumer, Set<TopicPartition> assigned) {
        try {
            Map<String, List<PartitionInfo>> topics = consumer.listTopics(Duration.ofSeconds(5));
            List<TopicPartition> fresh = new ArrayList<>();
            topics.forEach((topic, infos) -> {
                if (topic.startsWith(prefix) && !topic.endsWith("-dlq")) {
                    for (PartitionInfo i : infos) {
                        TopicPartition tp = new TopicPartition(topic, i.partition());
                        if (!assigned.contains(tp)) {
                            fresh.add(tp);
                        }
                    }
                }
            });
            if (!fresh.isEmpty()) {
                assigned.addAll(fresh);
                consumer.assign(new ArrayList<>(assigned));
                consumer.seekToBeginning(fresh);
            }
        } catch (RuntimeException e) {
            // a broker may be down right now: try again at the next refresh
        }
    }

    /** Waits until nothing new has arrived for {@code quiet} (at most {@code atMost}): the watch has caught up. */
    public void awaitQuiet(Duration quiet, Duration atMost) throws InterruptedException {
        long deadline = System.currentTimeMillis() + atMost.toMillis();
        while (System.currentTimeMillis() < deadline
                && System.currentTimeMillis() - lastArrivalAt.get() < quiet.toMillis()) {
            Thread.sleep(100);
        }
    }

    /** For tests: an arrival as if read. */
    void add(Arrival arrival) {
        arrivals.add(arrival);
        lastArrivalAt.set(arrival.receivedAt());
    }

    /** For tests: a watch that reads nothing. */
    static DeliveryWatch unstarted() {
        return new DeliveryWatch("localhost:1");
    }

    public List<Arrival> arrivals() {
        return List.copyOf(arrivals);
    }

    /**
     * The messages whose client timestamp lies in {@code [fromMillis, fromMillis + length)} and that pass
     * {@code include}: how many arrived, and when the first and the last of them arrived, from {@code fromMillis}.
     * A message that arrives in several records (devices on several gateways, group batches) counts when its last
     * record arrived.
     */
    public Window window(long fromMillis, Duration length, Predicate<Arrival> include) {
        long to = fromMillis + length.toMillis();
        Map<String, long[]> byMessage = new java.util.HashMap<>();
        for (Arrival a : arrivals) {
            if (a.clientTimestamp() >= fromMillis && a.clientTimestamp() < to && include.test(a)) {
                long[] t = byMessage.computeIfAbsent(a.messageId(), k -> new long[] {Long.MAX_VALUE, 0, 0});
                t[0] = Math.min(t[0], a.receivedAt());
                t[1] = Math.max(t[1], a.receivedAt());
                t[2] = Math.max(t[2], a.receivedAt() - a.clientTimestamp());
            }
        }
        if (byMessage.isEmpty()) {
            return new Window(0, null, null, 0);
        }
        long first = byMessage.values().stream().mapToLong(t -> t[0]).min().orElseThrow();
        long last = byMessage.values().stream().mapToLong(t -> t[1]).max().orElseThrow();
        long maxLatency = byMessage.values().stream().mapToLong(t -> t[2]).max().orElseThrow();
        return new Window(byMessage.size(), Duration.ofMillis(Math.max(0, first - fromMillis)),
                Duration.ofMillis(Math.max(0, last - fromMillis)), maxLatency);
    }

    @Override
    public void close() {
        running.set(false);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
