package io.impipeline.router;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.Tasks;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.Task;
import io.impipeline.platform.kafka.RecordSizeGuard;
import io.impipeline.testkit.KafkaTestClients;
import io.impipeline.testkit.Messages;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 12 against a real broker and the real producers, where sizes matter: the producer refuses a record over
 * {@code max.request.size} (the failure stops Kafka Streams), the broker a batch over {@code max.message.bytes}
 * (compressed). Two routers on one broker, apart by topic prefix: {@code d.} with the pipeline's defaults (2 MiB
 * producers and topics), {@code l.} with its Streams producer lowered to Kafka's default of 1 MiB. Records come from
 * a gateway-like producer that compresses (lz4) and may send up to 4 MiB.
 */
class OversizedRecordsIntegrationTest {

    private static final String TOKEN = "oversized-token";
    private static final int ONE_MIB = 1024 * 1024;

    private static EmbeddedKafkaKraftBroker broker;
    private static final List<ConfigurableApplicationContext> routers = new ArrayList<>();
    private static int defaultsPort;
    private static int loweredPort;

    @BeforeAll
    static void startBrokerAndRouters() throws IOException {
        broker = io.impipeline.testkit.TestBrokers.start(1);
        defaultsPort = freePort();
        routers.add(startRouter("d", defaultsPort));
        loweredPort = freePort();
        routers.add(startRouter("l", loweredPort,
                "--spring.cloud.stream.kafka.streams.binder.configuration.producer.max.request.size=" + ONE_MIB));
        for (int port : new int[]{defaultsPort, loweredPort}) {
            await().atMost(Duration.ofSeconds(90)).until(() -> ready(port));
        }
    }

    @AfterAll
    static void stop() {
        routers.forEach(ConfigurableApplicationContext::close);
        if (broker != null) {
            broker.destroy();
        }
    }

    private static ConfigurableApplicationContext startRouter(String prefix, int port, String... more)
            throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "--server.port=" + port,
                "--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                "--im.topics.prefix=" + prefix + ".",
                "--im.topics.replication-factor=1",
                "--im.topics.specs.upstream.partitions=2",
                "--im.topics.specs.routed.partitions=2",
                "--im.streams.state-dir=" + Files.createTempDirectory("router-" + prefix),
                "--im.instance-id=" + prefix,
                "--im.security.service-token=" + TOKEN));
        args.addAll(List.of(more));
        return new SpringApplicationBuilder(UpstreamRouterApplication.class).run(args.toArray(String[]::new));
    }

    private static boolean ready(int port) {
        RestClient http = RestClient.builder().baseUrl("http://localhost:" + port)
                .defaultHeader("X-Service-Token", TOKEN).build();
        String body = http.get().uri("/actuator/health/readiness").exchange((req, res) ->
                res.getStatusCode().value() + " " + new String(res.getBody().readAllBytes(), StandardCharsets.UTF_8));
        return body.startsWith("200") && body.contains("\"streams\"");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Like a gateway: lz4, and allowed to send more than the pipeline takes. */
    private static void send(String topic, String key, byte[] value, Map<String, byte[]> headers) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * ONE_MIB), new StringSerializer(),
                new ByteArraySerializer())) {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
            headers.forEach((name, bytes) -> record.headers().add(name, bytes));
            producer.send(record).get();
        }
    }

    /** A valid text message of exactly {@code bytes} bytes whose metadata padding does not compress. */
    private static byte[] incompressibleMessage(String messageId, String conversation, int bytes) {
        Map<String, Object> json = new LinkedHashMap<>(Messages.textJson());
        json.put("message_id", messageId);
        json.put("conversation_id", conversation);
        json.put("metadata", Map.of("padding", ""));
        int base = Messages.bytes(json).length;
        Random random = new Random(42);
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        StringBuilder padding = new StringBuilder();
        for (int i = 0; i < bytes - base; i++) {
            padding.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        json.put("metadata", Map.of("padding", padding.toString()));
        byte[] value = Messages.bytes(json);
        assertThat(value).hasSize(bytes);
        return value;
    }

    private static List<ConsumerRecord<String, byte[]>> recordsOf(String topic, String messageId, int expected) {
        String marker = "\"" + messageId + "\"";
        return KafkaTestClients.readUntil(broker.getBrokersAsString(), List.of(topic),
                        all -> all.stream().filter(r -> contains(r, marker)).count() >= expected,
                        Duration.ofSeconds(60))
                .stream().filter(r -> contains(r, marker)).toList();
    }

    private static boolean contains(ConsumerRecord<String, byte[]> record, String marker) {
        // Only the first bytes: message_id comes first in every record the router writes.
        byte[] value = record.value();
        return value != null && new String(value, 0, Math.min(value.length, 2048), StandardCharsets.UTF_8)
                .contains(marker);
    }

    private static void assertNextMessageIsRoutedAndTheRouterIsRunning(String prefix, int port, String id)
            throws Exception {
        send(prefix + ".im-upstream-topic", "user_123", Messages.bytes(Messages.text(id, "user_123", "user_456",
                "conv_next", System.currentTimeMillis())), Map.of());
        assertThat(recordsOf(prefix + ".im-routed-topic", id, 2)).hasSize(2);
        assertThat(ready(port)).as("readiness: every Kafka Streams client RUNNING").isTrue();
    }

    @Test
    void messageOfAboutOneMebibyteThatDoesNotCompressIsRoutedWithTheDefaultLimits() throws Exception {
        byte[] big = incompressibleMessage("big_default", "conv_big", 1_048_500);

        send("d.im-upstream-topic", "user_123", big, Map.of());

        List<ConsumerRecord<String, byte[]>> tasks = recordsOf("d.im-task-topic", "big_default", 1);
        assertThat(tasks).hasSize(1);
        ConsumerRecord<String, byte[]> persist = tasks.get(0);
        assertThat(RecordSizeGuard.sizeOf(persist.key(), persist.value(), persist.headers()))
                .as("over the producer limit that stopped the router before").isGreaterThan(ONE_MIB);
        assertThat(Tasks.persistPayload(WireJson.fromBytes(persist.value(), Task.class)).message().messageId())
                .isEqualTo("big_default");
        assertThat(recordsOf("d.im-routed-topic", "big_default", 2)).extracting(r -> WireJson.fromBytes(r.value(),
                RoutedMessage.class).recipientId()).containsExactlyInAnyOrder("user_456", "user_123");
        assertNextMessageIsRoutedAndTheRouterIsRunning("d", defaultsPort, "after_big_default");
    }

    @Test
    void messageOverALoweredLimitIsDeadLetteredTooLargeWholeAndTheRouterKeepsRouting() throws Exception {
        byte[] big = incompressibleMessage("big_lowered", "conv_big", 1_047_000);

        send("l.im-upstream-topic", "user_123", big, Map.of());

        List<ConsumerRecord<String, byte[]>> letters = recordsOf("l.im-upstream-topic-dlq", "big_lowered", 1);
        assertThat(letters).hasSize(1);
        assertThat(DeadLetterHeaders.text(letters.get(0).headers(), ImHeaders.DLT_REASON)).isEqualTo("TOO_LARGE");
        assertThat(letters.get(0).value()).isEqualTo(big);
        assertNextMessageIsRoutedAndTheRouterIsRunning("l", loweredPort, "after_big_lowered");
        List<ConsumerRecord<String, byte[]>> tasks = KafkaTestClients.readUntil(broker.getBrokersAsString(),
                List.of("l.im-task-topic"), all -> all.stream().anyMatch(r -> contains(r, "after_big_lowered")),
                Duration.ofSeconds(30));
        assertThat(tasks).noneMatch(r -> contains(r, "\"big_lowered\""));
    }

    /**
     * The broker limits the compressed batch: a compressing producer can put records far larger than any producer
     * of the pipeline may write on the upstream topic. Their dead letters used to fail the router's producer.
     */
    @Test
    void recordsTooLargeToDeadLetterWholeAreCutToFitAndTheRouterKeepsRouting() throws Exception {
        byte[] huge = new byte[2_097_000];
        Arrays.fill(huge, (byte) ' ');
        huge[0] = '{';
        send("d.im-upstream-topic", "user_123", huge, Map.of());
        byte[] heavyHeaders = new byte[3 * ONE_MIB];
        Arrays.fill(heavyHeaders, (byte) 'h');
        send("d.im-upstream-topic", "user_123", Messages.bytes(Messages.text("heavy_headers", "user_123",
                "user_456", "conv_heavy", System.currentTimeMillis())), Map.of("x-junk", heavyHeaders));

        List<ConsumerRecord<String, byte[]>> letters = KafkaTestClients.readUntil(broker.getBrokersAsString(),
                List.of("d.im-upstream-topic-dlq"), all -> all.size() >= 2, Duration.ofSeconds(60));
        assertThat(letters).hasSize(2);
        assertThat(letters).extracting(r -> DeadLetterHeaders.text(r.headers(), ImHeaders.DLT_REASON))
                .containsOnly("TOO_LARGE");
        assertThat(letters).allSatisfy(r -> {
            assertThat(r.headers().lastHeader("x-junk")).isNull();
            assertThat(DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.DLT_EXCEPTION_MESSAGE))
                    .contains("dead letter cut to fit");
        });
        assertNextMessageIsRoutedAndTheRouterIsRunning("d", defaultsPort, "after_huge");
    }
}
