package io.impipeline.launcher.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.wire.GatewayHeartbeat;
import io.impipeline.model.wire.GroupMembership;
import io.impipeline.model.wire.PresenceEvent;
import io.impipeline.model.wire.UpstreamMessage;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What one message to a large group costs in Kafka records, counted on the broker: the end offsets of every topic
 * before and after a few messages to one group on a quiet pipeline, divided by the number of messages. Each
 * topic is counted (the outside ones: routed, downstream per gateway, task, retry, DLQ; and the Streams apps'
 * internal repartition and changelog topics), so the figure does not depend on what a checker chooses to count.
 * Transaction markers take an offset too: they are reported with the data they commit, which is what the broker
 * writes.
 */
public final class GroupMessageCost {

    /** Heartbeats keep the gateways live during the measurement (the dispatcher's timeout is 30 s). */
    private static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(5);
    private static final Duration SETTLE = Duration.ofSeconds(20);
    private static final Duration QUIET = Duration.ofSeconds(6);

    /**
     * @param members      group size (above the router's small-group-max: the task-worker fans it out)
     * @param gateways     gateways the online members are spread over
     * @param offlineShare share of the members with no device online
     */
    public record Settings(int members, int gateways, double offlineShare, int messages) {
    }

    /** Records per group message, per topic (sorted), and in total. */
    public record Result(Settings settings, Map<String, Double> perTopic, double total) {

        public String render() {
            return String.format("%.1f Kafka records per %d-member group message (%d gateways, %.0f %% offline): %s",
                    total, settings.members(), settings.gateways(), settings.offlineShare() * 100,
                    perTopic.entrySet().stream().filter(e -> e.getValue() > 0)
                            .map(e -> String.format("%s %.1f", e.getKey(), e.getValue()))
                            .collect(Collectors.joining(", ")));
        }
    }

    private GroupMessageCost() {
    }

    public static Result measure(String bootstrapServers, Settings settings) throws Exception {
        String group = "cost-group-" + System.nanoTime();
        List<String> gatewayIds = new ArrayList<>();
        for (int g = 0; g < settings.gateways(); g++) {
            gatewayIds.add("cost-gw-" + g);
        }
        try (KafkaProducer<String, byte[]> producer = producer(bootstrapServers);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            long now = System.currentTimeMillis();
            heartbeats(producer, gatewayIds);
            List<String> members = new ArrayList<>();
            int offline = (int) Math.round(settings.members() * settings.offlineShare());
            for (int i = 0; i < settings.members(); i++) {
                String user = group + "-u" + i;
                members.add(user);
                if (i >= offline) {
                    String gateway = gatewayIds.get(i % gatewayIds.size());
                    producer.send(new ProducerRecord<>("im-presence-topic", user, WireJson.toBytes(new PresenceEvent(
                            user, "phone", gateway, PresenceEvent.Status.ONLINE, now))));
                }
            }
            producer.send(new ProducerRecord<>("im-group-topic", group, WireJson.toBytes(
                    new GroupMembership(group, members, 1, now))));
            producer.flush();
            // Gateway topics created, presence folded, the group in every global table.
            pause(SETTLE, producer, gatewayIds);
            awaitQuiet(admin, producer, gatewayIds);
            Map<String, Long> before = endOffsets(admin);
            for (int m = 0; m < settings.messages(); m++) {
                String sender = members.get(settings.members() - 1 - m % 10);
                UpstreamMessage message = new UpstreamMessage("cost-m-" + m, sender, null, group, "cost", "text",
                        Map.of(), gatewayIds.get(0), "phone", System.currentTimeMillis(), "1.0", group, null);
                producer.send(new ProducerRecord<>("im-upstream-topic", sender, WireJson.toBytes(message)));
            }
            producer.flush();
            awaitQuiet(admin, producer, gatewayIds);
            Map<String, Long> after = endOffsets(admin);
            Map<String, Double> perTopic = new TreeMap<>();
            double total = 0;
            for (Map.Entry<String, Long> e : after.entrySet()) {
                long written = e.getValue() - before.getOrDefault(e.getKey(), 0L);
                if (written > 0 && !e.getKey().startsWith("im-upstream-topic") && !e.getKey().equals("im-group-topic")
                        && !e.getKey().equals("im-presence-topic") && !e.getKey().equals("im-gateway-topic")
                        && !e.getKey().startsWith("__")) {
                    double per = (double) written / settings.messages();
                    perTopic.put(e.getKey(), per);
                    total += per;
                }
            }
            return new Result(settings, perTopic, total);
        }
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrapServers) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"), new StringSerializer(), new ByteArraySerializer());
    }

    private static void heartbeats(KafkaProducer<String, byte[]> producer, List<String> gatewayIds) {
        for (String gateway : gatewayIds) {
            producer.send(new ProducerRecord<>("im-gateway-topic", gateway, WireJson.toBytes(new GatewayHeartbeat(
                    gateway, GatewayHeartbeat.Status.UP, System.currentTimeMillis()))));
        }
        producer.flush();
    }

    private static void pause(Duration duration, KafkaProducer<String, byte[]> producer, List<String> gatewayIds)
            throws InterruptedException {
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            heartbeats(producer, gatewayIds);
            TimeUnit.MILLISECONDS.sleep(Math.min(HEARTBEAT_EVERY.toMillis(), (end - System.nanoTime()) / 1_000_000 + 1));
        }
    }

    /** Until no end offset moved (heartbeats excepted) for {@link #QUIET}. */
    private static void awaitQuiet(Admin admin, KafkaProducer<String, byte[]> producer, List<String> gatewayIds)
            throws Exception {
        Map<String, Long> last = withoutHeartbeats(endOffsets(admin));
        long quietSince = System.nanoTime();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() - quietSince < QUIET.toNanos() && System.nanoTime() < deadline) {
            pause(Duration.ofSeconds(2), producer, gatewayIds);
            Map<String, Long> current = withoutHeartbeats(endOffsets(admin));
            if (!current.equals(last)) {
                last = current;
                quietSince = System.nanoTime();
            }
        }
    }

    private static Map<String, Long> withoutHeartbeats(Map<String, Long> offsets) {
        Map<String, Long> copy = new TreeMap<>(offsets);
        copy.remove("im-gateway-topic");
        return copy;
    }

    /** The sum of the end offsets of every partition, per topic. */
    private static Map<String, Long> endOffsets(Admin admin) throws Exception {
        Map<String, TopicDescription> topics = admin.describeTopics(admin.listTopics().names().get())
                .allTopicNames().get();
        Map<TopicPartition, OffsetSpec> request = new java.util.HashMap<>();
        topics.values().forEach(t -> t.partitions().forEach(p ->
                request.put(new TopicPartition(t.name(), p.partition()), OffsetSpec.latest())));
        Map<String, Long> sums = new TreeMap<>();
        admin.listOffsets(request).all().get().forEach((tp, info) -> sums.merge(tp.topic(), info.offset(), Long::sum));
        return sums;
    }
}
