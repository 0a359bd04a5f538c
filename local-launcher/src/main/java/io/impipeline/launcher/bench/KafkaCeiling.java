package io.impipeline.launcher.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The ceiling: plain Kafka produce -> consume of one topic on the same broker, same record size, {@code acks=all},
 * lz4, idempotent producer, read_committed consumer. Records per second from the first send to the last receipt.
 */
public final class KafkaCeiling {

    private static final int PARTITIONS = 10;

    private KafkaCeiling() {
    }

    public static double recordsPerSecond(String bootstrapServers, int records, int recordBytes) throws Exception {
        String topic = "bench-ceiling-" + System.nanoTime();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1)
                    .configs(Map.of("compression.type", "lz4")))).all().get();
        }
        byte[] value = new byte[recordBytes];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) ('a' + i % 26);
        }
        CompletableFuture<Long> lastReceipt = CompletableFuture.supplyAsync(() -> consume(bootstrapServers, topic,
                records));
        Thread.sleep(2_000); // let the consumer join before the clock starts
        long start = System.currentTimeMillis();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(topic, "user-" + (i % 1000), value));
            }
        }
        long end = lastReceipt.get(5, TimeUnit.MINUTES);
        return records * 1000.0 / Math.max(1, end - start);
    }

    private static long consume(String bootstrapServers, String topic, int records) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "bench-" + topic,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            int seen = 0;
            long last = 0;
            while (seen < records) {
                int n = consumer.poll(Duration.ofMillis(100)).count();
                if (n > 0) {
                    seen += n;
                    last = System.currentTimeMillis();
                }
            }
            return last;
        }
    }
}
