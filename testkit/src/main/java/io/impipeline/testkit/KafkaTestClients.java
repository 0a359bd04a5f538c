package io.impipeline.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Plain Kafka clients for integration tests: a String/bytes producer and a reader that polls until it has enough. */
public final class KafkaTestClients {

    private static final Duration POLL = Duration.ofMillis(200);

    private KafkaTestClients() {
    }

    public static KafkaProducer<String, byte[]> producer(String bootstrapServers) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * A producer as a hostile or careless one may be: lz4 and a {@code max.request.size} of {@code maxRequestSize}.
     * The broker limits the compressed batch, so this writes records far larger than a topic's
     * {@code max.message.bytes} when they compress well.
     */
    public static KafkaProducer<String, byte[]> compressingProducer(String bootstrapServers, int maxRequestSize) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRequestSize,
                ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(32L * 1024 * 1024, 2L * maxRequestSize)),
                new StringSerializer(), new ByteArraySerializer());
    }

    /** A consumer in a fresh group that reads from the beginning, committed data only. */
    public static KafkaConsumer<String, byte[]> consumer(String bootstrapServers) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Reads {@code topics} until {@code done} holds for what was read, or the timeout passes; returns all read.
     */
    public static List<ConsumerRecord<String, byte[]>> readUntil(String bootstrapServers, List<String> topics,
                                                                  Predicate<List<ConsumerRecord<String, byte[]>>> done,
                                                                  Duration timeout) {
        List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, byte[]> consumer = consumer(bootstrapServers)) {
            consumer.subscribe(topics);
            while (!done.test(all) && System.nanoTime() < deadline) {
                consumer.poll(POLL).forEach(all::add);
            }
        }
        return all;
    }

    /** Reads until at least {@code count} records arrived, then a little longer to catch extras (duplicates). */
    public static List<ConsumerRecord<String, byte[]>> readAtLeast(String bootstrapServers, String topic, int count,
                                                                    Duration timeout) {
        return readUntil(bootstrapServers, List.of(topic), r -> r.size() >= count, timeout);
    }
}
