package io.impipeline.dispatcher;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.impipeline.model.codec.Tasks;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.codec.WireSerde;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.GatewayHeartbeat;
import io.impipeline.model.wire.PresenceEvent;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.Task;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.testkit.KafkaTestClients;
import io.impipeline.testkit.TestBrokers;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.util.FileSystemUtils;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12, on a broker: a bad heartbeat written while the dispatcher is down, as the latest record of its gateway on
 * the compacted {@code im-gateway-topic}, is restored into the global table at the restart on the same state dir
 * (a global table's restore does not run the deserializer). The restarted app must answer {@code /api/v1/gateways}
 * (the entry marked unreadable), push the users of that gateway, deliver on the others, dead-letter nothing, and take
 * the gateway's next valid heartbeat (Kafka Streams reads the old value then: with a serde that throws on stored
 * bytes, the global thread died there and took the app down).
 */
class GatewayTableRestoreIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TOKEN = "test-token";

    private static EmbeddedKafkaKraftBroker broker;
    private static KafkaProducer<String, byte[]> producer;
    private static Path stateDir;
    private static final ImTopicsProperties TOPICS = ImTopicsProperties.defaults();

    @BeforeAll
    static void start() throws Exception {
        broker = TestBrokers.start(1);
        producer = KafkaTestClients.producer(broker.getBrokersAsString());
        stateDir = Files.createTempDirectory("dispatcher-restore-it-");
    }

    @AfterAll
    static void stop() {
        producer.close();
        broker.destroy();
        FileSystemUtils.deleteRecursively(stateDir.toFile());
    }

    @Test
    void badHeartbeatRestoredAsTheLatestOfItsGatewayMakesOnlyThatGatewayDownAndTheAppKeepsRunning() throws Exception {
        try (ConfigurableApplicationContext app = startApp()) {
            RestClient http = http(app);
            heartbeat("gw-ok");
            heartbeat("gw-bad");
            online("u-1", "u-1-phone", "gw-bad");
            online("u-2", "u-2-phone", "gw-bad");
            online("u-2", "u-2-laptop", "gw-ok");
            await(http, "/api/v1/presence/u-1", "u-1-phone");
            await(http, "/api/v1/presence/u-2", "u-2-laptop");
            await(http, "/api/v1/gateways", "\"gateway_id\":\"gw-bad\",\"status\":\"up\",\"state\":\"live\"");
        }

        // While the app is down: the latest record of gw-bad is not a heartbeat.
        send(TopicKind.GATEWAY, "gw-bad", "not json {".getBytes(StandardCharsets.UTF_8));

        try (ConfigurableApplicationContext app = startApp()) {
            RestClient http = http(app);
            String gateways = await(http, "/api/v1/gateways", "\"state\":\"unreadable\"");
            assertThat(gateways).contains("\"gateway_id\":\"gw-ok\",\"status\":\"up\",\"state\":\"live\"",
                    "\"gateway_id\":\"gw-bad\",\"status\":null,\"state\":\"unreadable\"",
                    "\"problem\":\"MALFORMED_JSON\"");
            assertThat(get(http, "/api/v1/presence/u-1")).contains("\"gateway_state\":\"down\"");

            send(TopicKind.ROUTED, "u-1", WireJson.toBytes(routed("r-1", "u-1", 1)));
            send(TopicKind.ROUTED, "u-2", WireJson.toBytes(routed("r-2", "u-2", 1)));
            assertThat(readPushes("r-", 1)).singleElement()
                    .satisfies(t -> assertThat(Tasks.offlinePushPayload(t).userIds()).containsExactly("u-1"));
            assertThat(readDownstream("gw-ok", 1)).singleElement().satisfies(m -> {
                assertThat(m.messageId()).isEqualTo("r-2");
                assertThat(m.deviceIds()).containsExactly("u-2-laptop");
            });

            // The gateway's next valid heartbeat: Kafka Streams reads the unreadable old value, and must go on.
            heartbeat("gw-bad");
            await(http, "/api/v1/gateways", "\"gateway_id\":\"gw-bad\",\"status\":\"up\",\"state\":\"live\"");
            send(TopicKind.ROUTED, "u-1", WireJson.toBytes(routed("r-3", "u-1", 2)));
            assertThat(readDownstream("gw-bad", 1)).extracting(DownstreamMessage::messageId).containsExactly("r-3");
            assertThat(DownstreamDispatcherApplicationStartsIntegrationTest.awaitStatus(http,
                    "/actuator/health/liveness")).contains("\"status\":\"UP\"");

            assertThat(read(TOPICS.dlqTopic(TopicKind.ROUTED), Duration.ofSeconds(2))).isEmpty();
            String metrics = get(http, "/actuator/prometheus");
            assertThat(metrics).contains("im_dispatcher_heartbeats_unreadable_total{", "reason=\"undecodable\"");
        }
    }

    private ConfigurableApplicationContext startApp() throws InterruptedException {
        // Arguments, not default properties: application.yml would win over those.
        ConfigurableApplicationContext app = new SpringApplicationBuilder(DownstreamDispatcherApplication.class)
                .run("--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                        "--server.port=0",
                        "--im.topics.replication-factor=1",
                        "--im.topics.specs.routed.partitions=1",
                        "--im.topics.specs.presence.partitions=1",
                        "--im.security.service-token=" + TOKEN,
                        "--im.dispatcher.gateway-scan-interval=200ms",
                        // The heartbeats of the first run must still count across the restart.
                        "--im.dispatcher.gateway-timeout=10m",
                        "--im.streams.state-dir=" + stateDir);
        assertThat(DownstreamDispatcherApplicationStartsIntegrationTest.awaitStatus(http(app),
                "/actuator/health/readiness")).contains("\"status\":\"UP\"");
        return app;
    }

    private static RestClient http(ConfigurableApplicationContext app) {
        return RestClient.create("http://localhost:" + app.getEnvironment().getProperty("local.server.port"));
    }

    private static String get(RestClient http, String path) {
        return http.get().uri(path).header("X-Service-Token", TOKEN)
                .exchange((req, res) -> res.getStatusCode().value() + " " + new String(res.getBody().readAllBytes()));
    }

    /** Polls {@code path} until its answer is 200 and contains {@code expected}; returns the body. */
    private static String await(RestClient http, String path, String expected) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String answer = "";
        while (System.nanoTime() < deadline) {
            answer = get(http, path);
            if (answer.startsWith("200 ") && answer.contains(expected)) {
                return answer.substring(4);
            }
            Thread.sleep(200);
        }
        assertThat(answer).as(path).startsWith("200 ").contains(expected);
        return answer;
    }

    private static void heartbeat(String gatewayId) {
        send(TopicKind.GATEWAY, gatewayId, WireJson.toBytes(new GatewayHeartbeat(gatewayId,
                GatewayHeartbeat.Status.UP, System.currentTimeMillis())));
    }

    private static void online(String user, String device, String gatewayId) {
        send(TopicKind.PRESENCE, user, WireJson.toBytes(new PresenceEvent(user, device, gatewayId,
                PresenceEvent.Status.ONLINE, System.currentTimeMillis())));
    }

    private static RoutedMessage routed(String messageId, String recipient, long seq) {
        long now = System.currentTimeMillis();
        UpstreamMessage m = new UpstreamMessage(messageId, "sender", recipient, "conv-" + recipient, "hi " + seq,
                "text", Map.of(), "gw-ok", "s-phone", now, UpstreamMessage.CURRENT_VERSION, null, null);
        return RoutedMessage.to(recipient, new SequencedMessage(m, seq, now), false, now);
    }

    private static void send(TopicKind kind, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(TOPICS.name(kind), key, value)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("cannot send to " + kind, e);
        }
    }

    private static List<ConsumerRecord<String, byte[]>> read(String topic, Duration during) {
        return KafkaTestClients.readUntil(broker.getBrokersAsString(), List.of(topic), r -> false, during);
    }

    private static List<Task> readPushes(String messageIdPrefix, int count) {
        return KafkaTestClients.readUntil(broker.getBrokersAsString(), List.of(TOPICS.name(TopicKind.TASK)),
                        r -> r.size() >= count, WAIT).stream()
                .map(r -> WireSerde.of(Task.class).deserializer().deserialize(r.topic(), r.value()))
                .filter(t -> Tasks.offlinePushPayload(t).messageId().startsWith(messageIdPrefix)).toList();
    }

    private static List<DownstreamMessage> readDownstream(String gatewayId, int count) {
        return KafkaTestClients.readAtLeast(broker.getBrokersAsString(), TOPICS.downstreamTopic(gatewayId), count,
                        WAIT).stream()
                .map(r -> WireSerde.of(DownstreamMessage.class).deserializer().deserialize(r.topic(), r.value()))
                .toList();
    }
}
