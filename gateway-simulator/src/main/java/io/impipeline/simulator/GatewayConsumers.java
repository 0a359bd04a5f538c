package io.impipeline.simulator;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.BooleanSupplier;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.wire.DownstreamMessage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated gateways' receiving side: each gateway reads its own {@code im-downstream-topic-{id}} as
 * {@code gateway-{id}-group} and hands every record to the checker. The churn gateway stops reading when it dies
 * (a dead gateway holds no connections); what the dispatcher wrote to its topic before it learnt of the death is
 * then read with a plain consumer from where the gateway stopped ({@link #readDeadGatewayTopic()}), so that it
 * counts as delivered: the dispatcher did not push it.
 */
final class GatewayConsumers implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GatewayConsumers.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration READ_TO_END_AT_MOST = Duration.ofSeconds(15);

    private final KafkaClients clients;
    private final ImTopicsProperties topics;
    private final Population population;
    private final DeliveryChecker checker;
    private final BooleanSupplier running;
    private final BooleanSupplier churnGatewayDown;
    /** Where the churn gateway's consumer stopped: next offset per partition it had read from. */
    private final Map<TopicPartition, Long> churnPositions = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> churnGatewayStopped = new CompletableFuture<>();
    private KafkaConsumer<String, byte[]> deadTopicReader;

    GatewayConsumers(KafkaClients clients, ImTopicsProperties topics, Population population, DeliveryChecker checker,
                     BooleanSupplier running, BooleanSupplier churnGatewayDown) {
        this.clients = clients;
        this.topics = topics;
        this.population = population;
        this.checker = checker;
        this.running = running;
        this.churnGatewayDown = churnGatewayDown;
    }

    void start(ExecutorService threads) {
        population.allGateways().forEach(gw -> threads.submit(() -> gateway(gw)));
    }

    /** One simulated gateway: reads its own downstream topic as {@code gateway-{id}-group}, until it dies. */
    private void gateway(String gatewayId) {
        boolean churn = gatewayId.equals(population.churnGateway());
        try (KafkaConsumer<String, byte[]> consumer = clients.groupConsumer("gateway-" + gatewayId + "-group")) {
            consumer.subscribe(List.of(topics.downstreamTopic(gatewayId)));
            while (running.getAsBoolean() && !(churn && churnGatewayDown.getAsBoolean())) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
                    DownstreamMessage m = decode(gatewayId, r);
                    if (m != null) {
                        checker.onDownstream(gatewayId, r.key(), m, System.currentTimeMillis());
                    }
                    if (churn) {
                        churnPositions.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
                    }
                }
            }
        } catch (RuntimeException e) {
            log.error("gateway {} consumer failed", gatewayId, e);
        } finally {
            if (churn) {
                churnGatewayStopped.complete(null);
            }
        }
    }

    /**
     * Once the churn gateway has died and its consumer has stopped: reads its topic from where the consumer stopped
     * up to the current end (read_committed), continuing from the last call. Call it from one thread only.
     */
    void readDeadGatewayTopic() {
        if (population.churnGateway() == null || !churnGatewayStopped.isDone() || !churnGatewayDown.getAsBoolean()) {
            return;
        }
        String gatewayId = population.churnGateway();
        String topic = topics.downstreamTopic(gatewayId);
        try {
            if (deadTopicReader == null) {
                deadTopicReader = openAtStop(topic);
            }
            if (deadTopicReader != null) {
                readToEnd(gatewayId, deadTopicReader);
            }
        } catch (KafkaException e) {
            log.warn("reading the dead gateway's topic {}: {}", topic, e.toString());
        }
    }

    /** A plain consumer on every partition of the topic, at the churn gateway's stop positions; null: no topic yet. */
    private KafkaConsumer<String, byte[]> openAtStop(String topic) {
        KafkaConsumer<String, byte[]> consumer = clients.plainConsumer();
        try {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
            if (infos == null || infos.isEmpty()) {
                consumer.close();
                return null;
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            consumer.assign(partitions);
            for (TopicPartition p : partitions) {
                Long next = churnPositions.get(p);
                if (next == null) {
                    consumer.seekToBeginning(List.of(p));
                } else {
                    consumer.seek(p, next);
                }
            }
            return consumer;
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    private void readToEnd(String gatewayId, KafkaConsumer<String, byte[]> consumer) {
        if (consumer.assignment().isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment(), Duration.ofSeconds(5));
        long deadline = System.nanoTime() + READ_TO_END_AT_MOST.toNanos();
        while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())
                && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
                DownstreamMessage m = decode(gatewayId, r);
                if (m != null) {
                    checker.onDownstreamAfterDeath(gatewayId, r.key(), m);
                }
            }
        }
    }

    private DownstreamMessage decode(String gatewayId, ConsumerRecord<String, byte[]> r) {
        try {
            return WireJson.fromBytes(r.value(), DownstreamMessage.class);
        } catch (RuntimeException e) {
            log.error("gateway {}: undecodable record at {}-{}@{}: {}", gatewayId, r.topic(), r.partition(),
                    r.offset(), e.toString());
            checker.onUndecodable(gatewayId + " " + r.topic() + "-" + r.partition() + "@" + r.offset());
            return null;
        }
    }

    @Override
    public void close() {
        if (deadTopicReader != null) {
            deadTopicReader.close();
        }
    }
}
