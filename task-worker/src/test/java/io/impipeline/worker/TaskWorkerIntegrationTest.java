package io.impipeline.worker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.testkit.KafkaTestClients;
import io.impipeline.testkit.TestPostgres;
import io.impipeline.worker.config.WorkerTopics;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The worker against an embedded broker, a real PostgreSQL and a local webhook: persist_message at volume with
 * redeliveries, poison tasks, the history API and offline pushes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.kafka.bootstrap-servers=${spring.embedded.kafka.brokers}",
        "im.topics.replication-factor=1",
        "im.security.service-token=test-token",
        "im.worker.retry.initial-interval=200ms",
        "im.worker.retry.max-interval=1s",
        "im.worker.push.provider=webhook",
        "im.worker.push.webhook.read-timeout=2s"})
@EmbeddedKafka(partitions = 1, brokerProperties = {
        "transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1"})
@DirtiesContext
class TaskWorkerIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final HttpServer WEBHOOK = webhook();
    /** Calls per Idempotency-Key. */
    private static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestPostgres.register(registry, "worker_it");
        registry.add("im.worker.push.webhook.url",
                () -> "http://localhost:" + WEBHOOK.getAddress().getPort() + "/push");
    }

    @AfterAll
    static void stopWebhook() {
        WEBHOOK.stop(0);
    }

    @Value("${spring.embedded.kafka.brokers}")
    String brokers;
    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    WorkerTopics topics;
    @Autowired
    MeterRegistry meters;

    // ---- persist_message ---------------------------------------------------------------------------------------

    @Test
    void tenThousandPersistTasksWithFivePercentRedeliveredAreEachStoredOnceInTheirConversationAndSeq() {
        int conversations = 100;
        int perConversation = 100;
        List<ProducerRecord<String, byte[]>> firsts = new ArrayList<>();
        for (int c = 0; c < conversations; c++) {
            for (int seq = 1; seq <= perConversation; seq++) {
                String conversation = "bulk-c" + c;
                firsts.add(new ProducerRecord<>(topics.task(), conversation,
                        TaskFixtures.persist(conversation + "-m" + seq, conversation, seq)));
            }
        }
        double before = counter("persist_message", "persisted") + counter("persist_message", "duplicate");
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers)) {
            for (int i = 0; i < firsts.size(); i++) {
                producer.send(firsts.get(i));
                if (i % 20 == 19) {
                    // Every 20th task once more, later in the stream: a 5 % redelivery.
                    producer.send(firsts.get(i - 10));
                }
            }
        }
        // Every task seen: 10,000 first deliveries and 500 redeliveries (other tests' tasks are not counted).
        await().atMost(WAIT).until(() -> counter("persist_message", "persisted")
                + counter("persist_message", "duplicate") - before >= 10_500);

        assertThat(jdbc.queryForObject("SELECT count(*) FROM messages WHERE conversation_id LIKE 'bulk-%'",
                Integer.class)).isEqualTo(10_000);
        // Each message in its own conversation, at its own seq: the id is built from both.
        assertThat(jdbc.queryForObject("SELECT count(*) FROM messages WHERE conversation_id LIKE 'bulk-%' "
                + "AND message_id <> conversation_id || '-m' || seq", Integer.class)).isZero();
        assertThat(jdbc.queryForList("SELECT count(*) FROM messages WHERE conversation_id LIKE 'bulk-%' "
                + "GROUP BY conversation_id HAVING count(*) <> 100 OR min(seq) <> 1 OR max(seq) <> 100",
                Long.class)).isEmpty();
        assertThat(counter("persist_message", "persisted") + counter("persist_message", "duplicate") - before)
                .isEqualTo(10_500);
    }

    @Test
    void poisonTasksAreDeadLetteredWhileEveryOtherTaskOfTheirBatchIsStored() {
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers)) {
            for (int seq = 1; seq <= 10; seq++) {
                producer.send(new ProducerRecord<>(topics.task(), "poison-conv",
                        TaskFixtures.persist("poison-m" + seq, "poison-conv", seq)));
                if (seq == 3) {
                    producer.send(new ProducerRecord<>(topics.task(), "poison-json",
                            "{\"task_type\": \"persist_message\", ".getBytes(StandardCharsets.UTF_8)));
                }
                if (seq == 6) {
                    // Valid JSON, but PostgreSQL cannot store a NUL character: fails on every attempt.
                    producer.send(new ProducerRecord<>(topics.task(), "poison-nul",
                            TaskFixtures.persistWithContent("poison-nul", "poison-conv", 99, "a\u0000b")));
                }
            }
        }
        List<ConsumerRecord<String, byte[]>> dead = KafkaTestClients.readUntil(brokers, List.of(topics.taskDlq()),
                r -> r.stream().filter(x -> x.key() != null && x.key().startsWith("poison-")).count() >= 2, WAIT);

        ConsumerRecord<String, byte[]> malformed = only(dead, "poison-json");
        assertThat(DeadLetterHeaders.text(malformed.headers(), ImHeaders.DLT_REASON))
                .isEqualTo(ReasonCode.MALFORMED_JSON.name());
        assertThat(new String(malformed.value(), StandardCharsets.UTF_8)).startsWith("{\"task_type\"");
        ConsumerRecord<String, byte[]> nul = only(dead, "poison-nul");
        assertThat(DeadLetterHeaders.text(nul.headers(), ImHeaders.DLT_REASON))
                .isEqualTo(ReasonCode.RETRIES_EXHAUSTED.name());
        // Named as it was on the task topic, so that a replay goes there, without the retry bookkeeping.
        assertThat(DeadLetterHeaders.text(nul.headers(), KafkaHeaders.DLT_ORIGINAL_TOPIC)).isEqualTo(topics.task());
        assertThat(DeadLetterHeaders.longValue(nul.headers(), KafkaHeaders.DLT_ORIGINAL_OFFSET)).isNotNegative();
        assertThat(nul.headers().lastHeader("im_retry-attempt")).isNull();
        assertThat(DeadLetterHeaders.text(nul.headers(), KafkaHeaders.DLT_EXCEPTION_MESSAGE)).contains("3 attempts");

        assertThat(jdbc.queryForList("SELECT seq FROM messages WHERE conversation_id = 'poison-conv' ORDER BY seq",
                Long.class)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    }

    // ---- history API -------------------------------------------------------------------------------------------

    @Test
    void historyReturnsAConversationInSeqOrderAfterTheGivenSeq() {
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers)) {
            for (int seq = 5; seq >= 1; seq--) {
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(topics.task(), "hist-conv",
                        TaskFixtures.persist("hist-m" + seq, "hist-conv", seq));
                record.headers().add(ImHeaders.TRACEPARENT,
                        ("00-" + TRACE_ID + "-00f067aa0ba902b7-01").getBytes(StandardCharsets.UTF_8));
                producer.send(record);
            }
        }
        await().atMost(WAIT).until(() -> jdbc.queryForObject(
                "SELECT count(*) FROM messages WHERE conversation_id = 'hist-conv'", Integer.class) == 5);

        Map<?, ?> page = http().get().uri("/api/v1/conversations/hist-conv/messages?after_seq=2&limit=2")
                .retrieve().body(Map.class);
        List<?> messages = (List<?>) page.get("messages");
        assertThat(messages.stream().map(m -> String.valueOf(((Map<?, ?>) m).get("message_id"))).toList())
                .containsExactly("hist-m3", "hist-m4");
        assertThat(((Map<?, ?>) messages.get(0)).get("content")).isEqualTo("hello hist-m3");
        assertThat(page.get("next_after_seq")).isEqualTo(4);

        Map<?, ?> one = http().get().uri("/api/v1/messages/hist-m5").retrieve().body(Map.class);
        assertThat(one.get("seq")).isEqualTo(5);
        assertThat(one.get("conversation_id")).isEqualTo("hist-conv");
        assertThat(one.get("trace_id")).isEqualTo(TRACE_ID);
    }

    @Test
    void healthReportsTheDatabaseAndTheBroker() {
        Map<?, ?> health = RestClient.create("http://localhost:" + port).get().uri("/actuator/health")
                .retrieve().body(Map.class);
        Map<?, ?> components = (Map<?, ?>) health.get("components");
        assertThat(((Map<?, ?>) components.get("db")).get("status")).isEqualTo("UP");
        assertThat(((Map<?, ?>) components.get("kafka")).get("status")).isEqualTo("UP");
        assertThat(((Map<?, ?>) ((Map<?, ?>) components.get("kafka")).get("details")).get("cluster_id")).isNotNull();
    }

    @Test
    void historyAnswers400ForBadParameters404ForUnknownMessagesAnd401WithoutTheToken() {
        assertThat(status("/api/v1/conversations/c/messages?limit=201", true)).isEqualTo(400);
        assertThat(status("/api/v1/conversations/c/messages?limit=0", true)).isEqualTo(400);
        assertThat(status("/api/v1/conversations/c/messages?after_seq=abc", true)).isEqualTo(400);
        assertThat(status("/api/v1/conversations/c/messages?after_seq=-1", true)).isEqualTo(400);
        assertThat(status("/api/v1/messages/no-such-message", true)).isEqualTo(404);
        assertThat(status("/api/v1/conversations/c/messages", true)).isEqualTo(200);
        assertThat(status("/api/v1/conversations/c/messages", false)).isEqualTo(401);
        assertThat(status("/api/v1/messages/x", false)).isEqualTo(401);
    }

    @Test
    void historyErrorsUseTheSharedVocabulary() {
        assertThat(error("/api/v1/conversations/c/messages?after_seq=abc"))
                .containsEntry("error", "INVALID_FIELD").containsEntry("detail", "after_seq must be a whole number");
        assertThat(error("/api/v1/conversations/c/messages?limit=201"))
                .containsEntry("error", "INVALID_FIELD").containsEntry("detail", "limit must be between 1 and 200");
        assertThat(error("/api/v1/messages/no-such-message")).containsEntry("error", "NOT_FOUND");
    }

    // ---- offline_push ------------------------------------------------------------------------------------------

    @Test
    void anOfflinePushIsSentOnceAlsoWhenItsTaskIsRedelivered() {
        double before = counter("offline_push", "sent") + counter("offline_push", "duplicate");
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers)) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(topics.task(), "ok-user", TaskFixtures.push("ok-user", "push-m1")));
                producer.flush();
            }
        }
        await().atMost(WAIT).until(() -> counter("offline_push", "sent") + counter("offline_push", "duplicate")
                - before >= 3);
        assertThat(pushStatus("ok-user", "push-m1")).isEqualTo("SENT");
        assertThat(CALLS.get("push:ok-user:push-m1")).hasValue(1);
    }

    @Test
    void aPushRefusedWith4xxIsDeadLetteredAsPushRejected() {
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers)) {
            producer.send(new ProducerRecord<>(topics.task(), "reject-user",
                    TaskFixtures.push("reject-user", "push-m2")));
        }
        List<ConsumerRecord<String, byte[]>> dead = KafkaTestClients.readUntil(brokers, List.of(topics.taskDlq()),
                r -> r.stream().anyMatch(x -> "reject-user".equals(x.key())), WAIT);
        assertThat(DeadLetterHeaders.text(only(dead, "reject-user").headers(), ImHeaders.DLT_REASON))
                .isEqualTo(ReasonCode.PUSH_REJECTED.name());
        assertThat(pushStatus("reject-user", "push-m2")).isEqualTo("REJECTED");
        assertThat(CALLS.get("push:reject-user:push-m2")).hasValue(1);
    }

    @Test
    void aPushFailingWith5xxIsRetriedWithoutBlockingAndSentOnTheNextAttempt() {
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers)) {
            producer.send(new ProducerRecord<>(topics.task(), "flaky-user", TaskFixtures.push("flaky-user", "push-m3")));
            producer.send(new ProducerRecord<>(topics.task(), "ok-user", TaskFixtures.push("ok-user", "push-m4")));
        }
        await().atMost(WAIT).until(() -> "SENT".equals(pushStatus("flaky-user", "push-m3")));
        assertThat(CALLS.get("push:flaky-user:push-m3")).hasValue(2);
        assertThat(pushStatus("ok-user", "push-m4")).isEqualTo("SENT");
        assertThat(jdbc.queryForObject("SELECT attempts FROM push_notifications WHERE user_id = 'flaky-user'",
                Integer.class)).isEqualTo(2);
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private double counter(String type, String outcome) {
        var c = meters.find("im.worker.tasks").tag("type", type).tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    private String pushStatus(String user, String message) {
        return jdbc.queryForList("SELECT status FROM push_notifications WHERE user_id = ? AND message_id = ?",
                String.class, user, message).stream().findFirst().orElse(null);
    }

    private static ConsumerRecord<String, byte[]> only(List<ConsumerRecord<String, byte[]>> records, String key) {
        List<ConsumerRecord<String, byte[]>> matching = records.stream().filter(r -> key.equals(r.key())).toList();
        assertThat(matching).as("dead letters with key " + key).hasSize(1);
        return matching.get(0);
    }

    private RestClient http() {
        return RestClient.builder().baseUrl("http://localhost:" + port)
                .defaultHeader("X-Service-Token", "test-token").build();
    }

    private int status(String path, boolean withToken) {
        RestClient client = withToken ? http() : RestClient.create("http://localhost:" + port);
        return client.get().uri(path).exchange((req, res) -> res.getStatusCode().value());
    }

    private Map<String, Object> error(String path) {
        return http().get().uri(path).exchange((req, res) -> res.bodyTo(new ParameterizedTypeReference<>() { }));
    }

    /** 2xx for ok-*, 400 for reject-*, 503 on the first call then 200 for flaky-*. */
    private static HttpServer webhook() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
            server.createContext("/push", TaskWorkerIntegrationTest::answer);
            server.start();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void answer(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
        int call = CALLS.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        int status = key.contains(":reject-") ? 400 : key.contains(":flaky-") && call == 1 ? 503 : 200;
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }
}
