package io.impipeline.worker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.testkit.KafkaTestClients;
import io.impipeline.testkit.TestPostgres;
import io.impipeline.worker.settings.WorkerTopics;
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
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The worker against an embedded broker, a real PostgreSQL and a local webhook: persist_message at volume with
 * redeliveries, poison tasks, message identity (two senders, one message id), the history API and batched offline
 * pushes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.kafka.bootstrap-servers=${spring.embedded.kafka.brokers}",
        "im.topics.replication-factor=1",
        "im.security.service-token=test-token",
        "im.worker.retry.initial-interval=200ms",
        "im.worker.retry.max-interval=1s",
        "im.worker.push.provider=webhook",
        "im.worker.push.webhook.read-timeout=2s",
        // Ids longer than the database's columns (128) pass the validator: a row PostgreSQL refuses.
        "im.validation.max-id-length=200"})
@EmbeddedKafka(partitions = 1, brokerProperties = {
        "transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1"})
@DirtiesContext
class TaskWorkerIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final HttpServer WEBHOOK = webhook();
    /** Calls per Idempotency-Key. */
    private static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();
    /** The user_ids of each call, per Idempotency-Key. */
    private static final Map<String, List<List<String>>> USERS = new ConcurrentHashMap<>();

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
                    // PostgreSQL cannot store a NUL character (the validator refuses it too): fails on every attempt.
                    producer.send(new ProducerRecord<>(topics.task(), "poison-nul",
                            TaskFixtures.persistWithContent("poison-nul", "poison-conv", 99, "a\u0000b")));
                    // Valid for the validator (ids up to 200 here), too long for the column: PostgreSQL refuses it.
                    producer.send(new ProducerRecord<>(topics.task(), "poison-long",
                            TaskFixtures.persist("poison-long", "c".repeat(150), 1)));
                }
            }
        }
        List<ConsumerRecord<String, byte[]>> dead = KafkaTestClients.readUntil(brokers, List.of(topics.taskDlq()),
                r -> r.stream().filter(x -> x.key() != null && x.key().startsWith("poison-")).count() >= 3, WAIT);

        ConsumerRecord<String, byte[]> malformed = only(dead, "poison-json");
        assertThat(DeadLetterHeaders.text(malformed.headers(), ImHeaders.DLT_REASON))
                .isEqualTo(ReasonCode.MALFORMED_JSON.name());
        assertThat(new String(malformed.value(), StandardCharsets.UTF_8)).startsWith("{\"task_type\"");
        // Rows that can never be stored are dead-lettered at once with the reason, never retried.
        ConsumerRecord<String, byte[]> nul = only(dead, "poison-nul");
        assertThat(DeadLetterHeaders.text(nul.headers(), ImHeaders.DLT_REASON))
                .isEqualTo(ReasonCode.INVALID_FIELD.name());
        assertThat(DeadLetterHeaders.text(nul.headers(), KafkaHeaders.DLT_EXCEPTION_MESSAGE)).contains("NUL");
        ConsumerRecord<String, byte[]> tooLong = only(dead, "poison-long");
        assertThat(DeadLetterHeaders.text(tooLong.headers(), ImHeaders.DLT_REASON))
                .isEqualTo(ReasonCode.INVALID_FIELD.name());
        assertThat(DeadLetterHeaders.text(tooLong.headers(), KafkaHeaders.DLT_EXCEPTION_MESSAGE))
                .contains("PostgreSQL refused the message (SQLSTATE 22001)", "value too long");
        assertThat(DeadLetterHeaders.text(tooLong.headers(), KafkaHeaders.DLT_ORIGINAL_TOPIC)).isEqualTo(topics.task());
        assertThat(DeadLetterHeaders.longValue(tooLong.headers(), KafkaHeaders.DLT_ORIGINAL_OFFSET)).isNotNegative();
        assertThat(tooLong.headers().lastHeader("im_retry-attempt")).isNull();
        assertThat(counter("persist_message", "retried")).isZero();

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

        Map<?, ?> one = http().get().uri("/api/v1/messages/alice/hist-m5").retrieve().body(Map.class);
        assertThat(one.get("seq")).isEqualTo(5);
        assertThat(one.get("conversation_id")).isEqualTo("hist-conv");
        assertThat(one.get("trace_id")).isEqualTo(TRACE_ID);
    }

    @Test
    void theSameMessageIdFromTwoSendersIsTwoRowsAndBothAreReturned() {
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers)) {
            producer.send(new ProducerRecord<>(topics.task(), "same-c1", TaskFixtures.persistFrom("alice", "same-m1",
                    "same-c1", 1)));
            producer.send(new ProducerRecord<>(topics.task(), "same-c2", TaskFixtures.persistFrom("carol", "same-m1",
                    "same-c2", 1)));
            // A redelivery of one of them changes nothing.
            producer.send(new ProducerRecord<>(topics.task(), "same-c1", TaskFixtures.persistFrom("alice", "same-m1",
                    "same-c1", 1)));
        }
        await().atMost(WAIT).until(() -> jdbc.queryForObject(
                "SELECT count(*) FROM messages WHERE message_id = 'same-m1'", Integer.class) == 2);

        Map<?, ?> both = http().get().uri("/api/v1/messages/same-m1").retrieve().body(Map.class);
        List<?> messages = (List<?>) both.get("messages");
        assertThat(messages.stream().map(m -> ((Map<?, ?>) m).get("from_user_id") + "/"
                + ((Map<?, ?>) m).get("conversation_id")).toList()).containsExactly("alice/same-c1", "carol/same-c2");
        assertThat(both.get("next_after_from_user_id")).isNull();
        Map<?, ?> page = http().get().uri("/api/v1/messages/same-m1?limit=1").retrieve().body(Map.class);
        assertThat(page.get("next_after_from_user_id")).isEqualTo("alice");
        Map<?, ?> carol = http().get().uri("/api/v1/messages/carol/same-m1").retrieve().body(Map.class);
        assertThat(carol.get("conversation_id")).isEqualTo("same-c2");
        assertThat(status("/api/v1/messages/bob/same-m1", true)).isEqualTo(404);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM messages WHERE message_id = 'same-m1'", Integer.class))
                .isEqualTo(2);
    }

    @Test
    void healthReportsTheDatabaseAndTheBroker() {
        // Details only for a caller with the service token.
        Map<?, ?> health = http().get().uri("/actuator/health").retrieve().body(Map.class);
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
        assertThat(status("/api/v1/messages/alice/no-such-message", true)).isEqualTo(404);
        assertThat(status("/api/v1/messages/m?limit=0", true)).isEqualTo(400);
        assertThat(status("/api/v1/conversations/c/messages", true)).isEqualTo(200);
        assertThat(status("/api/v1/conversations/c/messages", false)).isEqualTo(401);
        assertThat(status("/api/v1/messages/x", false)).isEqualTo(401);
        assertThat(status("/api/v1/messages/alice/x", false)).isEqualTo(401);
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
    void aBatchPushIsOneRequestForItsUsersAndPushesEachOfThemOnceAcrossRedeliveries() {
        double before = counter("offline_push", "sent") + counter("offline_push", "duplicate");
        List<String> users = List.of("ok-a", "ok-b", "ok-c");
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers)) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(topics.task(), "ok-a", TaskFixtures.push(users, "push-m1")));
                producer.flush();
            }
        }
        await().atMost(WAIT).until(() -> counter("offline_push", "sent") + counter("offline_push", "duplicate")
                - before >= 3);
        users.forEach(u -> assertThat(pushStatus(u, "push-m1")).isEqualTo("SENT"));
        // One request, listing the batch, for three deliveries of the task.
        assertThat(CALLS.get("push:alice:push-m1:ok-a")).hasValue(1);
        assertThat(USERS.get("push:alice:push-m1:ok-a")).containsExactly(users);
    }

    @Test
    void aBatchWhoseUsersWerePartlyPushedAlreadyPushesOnlyTheRest() {
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers)) {
            producer.send(new ProducerRecord<>(topics.task(), "ok-d", TaskFixtures.push(List.of("ok-d", "ok-e"),
                    "push-m5")));
        }
        await().atMost(WAIT).until(() -> "SENT".equals(pushStatus("ok-e", "push-m5")));
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers)) {
            producer.send(new ProducerRecord<>(topics.task(), "ok-d",
                    TaskFixtures.push(List.of("ok-d", "ok-e", "ok-f"), "push-m5")));
        }
        await().atMost(WAIT).until(() -> "SENT".equals(pushStatus("ok-f", "push-m5")));
        assertThat(USERS.get("push:alice:push-m5:ok-d")).containsExactly(List.of("ok-d", "ok-e"));
        // The rest under its own key, so that a receiver remembering keys does not take it for a repeat.
        List<List<String>> rest = USERS.entrySet().stream()
                .filter(e -> e.getKey().startsWith("push:alice:push-m5:ok-d/"))
                .flatMap(e -> e.getValue().stream()).toList();
        assertThat(rest).containsExactly(List.of("ok-f"));
        assertThat(jdbc.queryForObject("SELECT count(*) FROM push_notifications WHERE message_id = 'push-m5' "
                + "AND from_user_id = 'alice' AND status = 'SENT'", Integer.class)).isEqualTo(3);
    }

    @Test
    void aPushRefusedWith4xxIsDeadLetteredAsPushRejected() {
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers)) {
            producer.send(new ProducerRecord<>(topics.task(), "reject-user",
                    TaskFixtures.push(List.of("reject-user", "reject-other"), "push-m2")));
        }
        List<ConsumerRecord<String, byte[]>> dead = KafkaTestClients.readUntil(brokers, List.of(topics.taskDlq()),
                r -> r.stream().anyMatch(x -> "reject-user".equals(x.key())), WAIT);
        assertThat(DeadLetterHeaders.text(only(dead, "reject-user").headers(), ImHeaders.DLT_REASON))
                .isEqualTo(ReasonCode.PUSH_REJECTED.name());
        assertThat(pushStatus("reject-user", "push-m2")).isEqualTo("REJECTED");
        assertThat(pushStatus("reject-other", "push-m2")).isEqualTo("REJECTED");
        assertThat(CALLS.get("push:alice:push-m2:reject-user")).hasValue(1);
    }

    @Test
    void aPushFailingWith5xxIsRetriedWithoutBlockingAndSentOnTheNextAttempt() {
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers)) {
            producer.send(new ProducerRecord<>(topics.task(), "flaky-user",
                    TaskFixtures.push(List.of("flaky-user", "flaky-other"), "push-m3")));
            producer.send(new ProducerRecord<>(topics.task(), "ok-user", TaskFixtures.push("ok-user", "push-m4")));
        }
        await().atMost(WAIT).until(() -> "SENT".equals(pushStatus("flaky-other", "push-m3")));
        assertThat(CALLS.get("push:alice:push-m3:flaky-user")).hasValue(2);
        assertThat(pushStatus("flaky-user", "push-m3")).isEqualTo("SENT");
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
        return jdbc.queryForList("SELECT status FROM push_notifications WHERE user_id = ? AND from_user_id = 'alice' "
                + "AND message_id = ?", String.class, user, message).stream().findFirst().orElse(null);
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

    /** By the batch's first user: 2xx for ok-*, 400 for reject-*, 503 on the first call then 200 for flaky-*. */
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
        JsonNode body = WireJson.mapper().readTree(exchange.getRequestBody().readAllBytes());
        String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
        List<String> users = new ArrayList<>();
        body.path("user_ids").forEach(u -> users.add(u.asString()));
        USERS.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(users);
        int call = CALLS.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        int status = key.contains(":reject-") ? 400 : key.contains(":flaky-") && call == 1 ? 503 : 200;
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }
}
