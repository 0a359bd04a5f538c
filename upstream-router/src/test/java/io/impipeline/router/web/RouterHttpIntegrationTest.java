package io.impipeline.router.web;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.Tasks;
import io.impipeline.model.codec.WireJson;
import io.impipeline.platform.tracing.StreamTracing;
import io.impipeline.model.wire.GroupMembership;
import io.impipeline.model.wire.RecipientPartitions;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.Task;
import io.impipeline.testkit.KafkaTestClients;
import io.impipeline.testkit.Messages;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.stream.binder.kafka.streams.InteractiveQueryService;
import org.springframework.http.MediaType;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** HTTP ingress, interactive queries and trace propagation of one router on the embedded broker. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.kafka.bootstrap-servers=${spring.embedded.kafka.brokers}",
        "im.topics.replication-factor=1",
        "im.topics.specs.upstream.partitions=2",
        "im.topics.specs.routed.partitions=" + RouterHttpIntegrationTest.ROUTED_PARTITIONS,
        "im.streams.state-dir=${java.io.tmpdir}/router-http-${random.uuid}",
        "im.router.filter.words=darn",
        "im.router.max-ingress-bytes=" + RouterHttpIntegrationTest.MAX_INGRESS_BYTES,
        "im.security.service-token=test-token"})
@EmbeddedKafka(partitions = 1)
class RouterHttpIntegrationTest {

    private static final String TOKEN = "test-token";
    /** Lowered from 16 MB so that a test can send more without much memory. */
    static final int MAX_INGRESS_BYTES = 1024 * 1024;
    /** Enough partitions for a group of 10 to spread over several. */
    static final int ROUTED_PARTITIONS = 4;

    @LocalServerPort
    int port;

    @Value("${spring.embedded.kafka.brokers}")
    String brokers;

    @Autowired
    InteractiveQueryService queries;

    RestClient http;

    @BeforeEach
    void waitUntilReady() {
        http = RestClient.builder().baseUrl("http://localhost:" + port)
                .defaultHeader("X-Service-Token", TOKEN).build();
        await().atMost(Duration.ofSeconds(60)).until(() -> status("/actuator/health/readiness") == 200);
    }

    private int status(String path) {
        return http.get().uri(path).exchange((req, res) -> res.getStatusCode().value());
    }

    private Answer post(Object body) {
        return http.post().uri("/api/v1/messages").contentType(MediaType.APPLICATION_JSON)
                .body(WireJson.toBytes(body))
                .exchange((req, res) -> new Answer(res.getStatusCode().value(),
                        WireJson.mapper().readTree(res.getBody().readAllBytes())));
    }

    private Answer get(String path) {
        return http.get().uri(path).exchange((req, res) -> new Answer(res.getStatusCode().value(),
                WireJson.mapper().readTree(res.getBody().readAllBytes())));
    }

    record Answer(int status, JsonNode body) {
    }

    /** A single-chat message's copies, each checked to be on the partition its key (the recipient) hashes to. */
    private List<RoutedMessage> routedCopiesOf(String messageId, int expected) {
        List<ConsumerRecord<String, byte[]>> records = KafkaTestClients.readUntil(brokers, List.of("im-routed-topic"),
                all -> all.stream().filter(r -> isMessage(r, messageId)).count() >= expected, Duration.ofSeconds(30))
                .stream().filter(r -> isMessage(r, messageId)).toList();
        // The routed binding's partitioner leaves records that name no partition to the producer's default.
        assertThat(records).allSatisfy(r -> assertThat(r.partition())
                .isEqualTo(RecipientPartitions.partitionOf(r.key(), ROUTED_PARTITIONS)));
        return records.stream().map(r -> WireJson.fromBytes(r.value(), RoutedMessage.class))
                .filter(m -> m.message().messageId().equals(messageId)).toList();
    }

    @Test
    void acceptedMessageIsRoutedMaskedAndVisibleInTheDedupAndSeqQueries() {
        Map<String, Object> json = Messages.textJson();
        json.put("message_id", "http_1");
        json.put("conversation_id", "conv_http_1");
        json.put("content", "oh darn");

        Answer answer = post(json);

        assertThat(answer.status()).isEqualTo(202);
        assertThat(answer.body().path("accepted").asInt()).isEqualTo(1);
        assertThat(answer.body().path("results").get(0).path("status").asString()).isEqualTo("accepted");
        List<RoutedMessage> copies = routedCopiesOf("http_1", 2);
        assertThat(copies).extracting(RoutedMessage::recipientId).containsExactlyInAnyOrder("user_456", "user_123");
        assertThat(copies).extracting(m -> m.message().content()).containsOnly("oh ****");

        Answer dedup = get("/api/v1/dedup/user_123/http_1");
        assertThat(dedup.status()).isEqualTo(200);
        assertThat(dedup.body().path("first_seen").asLong()).isPositive();
        assertThat(get("/api/v1/dedup/user_123/never-sent").status()).isEqualTo(404);
        Answer seq = get("/api/v1/conversations/conv_http_1/seq");
        assertThat(seq.status()).isEqualTo(200);
        assertThat(seq.body().path("seq").asLong()).isEqualTo(1);
        assertThat(get("/api/v1/conversations/conv_unknown/seq").status()).isEqualTo(404);
    }

    @Test
    void smallGroupMessageIsOneBatchPerPartitionWrittenToThePartitionItsRecipientsHashTo() throws Exception {
        List<String> members = IntStream.range(0, 10).mapToObj(i -> "grp_member_" + i).toList();
        List<String> recipients = members.subList(1, members.size());
        Set<Integer> partitions = RecipientPartitions.byPartition(recipients, ROUTED_PARTITIONS).keySet();
        assertThat(partitions).as("the fixture spreads over several partitions").hasSizeGreaterThan(1);
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers)) {
            producer.send(new ProducerRecord<>("im-group-topic", "g_http", WireJson.toBytes(
                    new GroupMembership("g_http", members, 1, System.currentTimeMillis())))).get();
            awaitGroupKnown("g_http");
            producer.send(new ProducerRecord<>("im-upstream-topic", "grp_member_0", Messages.bytes(
                    Messages.groupText("grp_http_1", "grp_member_0", "g_http", System.currentTimeMillis())))).get();
        }

        List<ConsumerRecord<String, byte[]>> batches = KafkaTestClients.readUntil(brokers, List.of("im-routed-topic"),
                all -> all.stream().filter(r -> isMessage(r, "grp_http_1")).count() >= partitions.size(),
                Duration.ofSeconds(30)).stream().filter(r -> isMessage(r, "grp_http_1")).toList();

        assertThat(batches).hasSize(partitions.size());
        List<String> listed = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : batches) {
            RoutedMessage batch = WireJson.fromBytes(record.value(), RoutedMessage.class);
            assertThat(record.key()).isEqualTo("conv_g_http");
            assertThat(batch.recipientIds()).allSatisfy(user -> assertThat(
                    RecipientPartitions.partitionOf(user, ROUTED_PARTITIONS)).isEqualTo(record.partition()));
            listed.addAll(batch.recipientIds());
        }
        assertThat(batches).extracting(ConsumerRecord::partition).containsExactlyInAnyOrderElementsOf(partitions);
        assertThat(listed).containsExactlyInAnyOrderElementsOf(recipients);
        // The other output binding: the persist task, on im-task-topic.
        List<ConsumerRecord<String, byte[]>> tasks = KafkaTestClients.readUntil(brokers, List.of("im-task-topic"),
                all -> all.stream().anyMatch(r -> isMessage(r, "grp_http_1")), Duration.ofSeconds(30)).stream()
                .filter(r -> isMessage(r, "grp_http_1")).toList();
        assertThat(tasks).hasSize(1);
        assertThat(Tasks.persistPayload(WireJson.fromBytes(tasks.get(0).value(), Task.class)).seq()).isEqualTo(1);
    }

    /** The group table is global and read by its own thread: a message sent before it has the group is rejected. */
    private void awaitGroupKnown(String groupId) {
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> queries
                .<ReadOnlyKeyValueStore<String, byte[]>>getQueryableStore("router-groups",
                        QueryableStoreTypes.keyValueStore()).get(groupId) != null);
    }

    private static boolean isMessage(ConsumerRecord<String, byte[]> record, String messageId) {
        return new String(record.value(), StandardCharsets.UTF_8).contains("\"" + messageId + "\"");
    }

    @Test
    void prometheusShowsRouterOutcomesAndKafkaStreamsMetrics() {
        Map<String, Object> json = Messages.textJson();
        json.put("message_id", "metrics_1");
        assertThat(post(json).status()).isEqualTo(202);
        routedCopiesOf("metrics_1", 2);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String metrics = http.get().uri("/actuator/prometheus").retrieve().body(String.class);
            assertThat(metrics).containsPattern("im_router_messages_total\\{[^}]*outcome=\"routed\"");
            assertThat(metrics).containsPattern("im_router_routed_records_total\\{[^}]*delivery=\"single\"");
            assertThat(metrics).containsPattern("im_router_routed_recipients_total\\{[^}]*delivery=\"sync\"");
            assertThat(metrics).contains("kafka_stream_");
        });
    }

    @Test
    void batchWithOneInvalidMessageIsRefusedWholeWithAReasonPerMessage() {
        Map<String, Object> good = Messages.textJson();
        good.put("message_id", "batch_good");
        Map<String, Object> bad = new LinkedHashMap<>(Messages.textJson());
        bad.put("message_id", "batch_bad");
        bad.remove("conversation_id");

        Answer answer = post(List.of(good, bad));

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.body().path("results").get(0).path("status").asString()).isEqualTo("valid_not_sent");
        assertThat(answer.body().path("results").get(1).path("reason").asString()).isEqualTo("MISSING_FIELD");
        assertThat(answer.body().path("results").get(1).path("message_id").asString()).isEqualTo("batch_bad");
    }

    @Test
    void batchOverTheLimitIsRefused() {
        List<Map<String, Object>> batch = java.util.stream.IntStream.range(0, 101).mapToObj(i -> {
            Map<String, Object> m = Messages.textJson();
            m.put("message_id", "over_" + i);
            return m;
        }).toList();

        Answer answer = post(batch);

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.body().path("error").asString()).isEqualTo("INVALID_FIELD");
    }

    @Test
    void batchOfValidMessagesIsAcceptedInOrder() {
        Map<String, Object> first = Messages.textJson();
        first.put("message_id", "batch_1");
        Map<String, Object> second = new LinkedHashMap<>(Messages.textJson());
        second.put("message_id", "batch_2");

        Answer answer = post(List.of(first, second));

        assertThat(answer.status()).isEqualTo(202);
        assertThat(answer.body().path("results").get(1).path("message_id").asString()).isEqualTo("batch_2");
    }

    @Test
    void oversizedMessageIs413AndNonJsonIs400AndMissingTokenIs401() {
        Map<String, Object> huge = Messages.textJson();
        huge.put("content", "x".repeat(70_000));
        assertThat(post(huge).status()).isEqualTo(413);
        int notJson = http.post().uri("/api/v1/messages").contentType(MediaType.APPLICATION_JSON).body("nope")
                .exchange((req, res) -> res.getStatusCode().value());
        assertThat(notJson).isEqualTo(400);
        int noToken = RestClient.create("http://localhost:" + port).post().uri("/api/v1/messages")
                .contentType(MediaType.APPLICATION_JSON).body(WireJson.toBytes(Messages.textJson()))
                .exchange((req, res) -> res.getStatusCode().value());
        assertThat(noToken).isEqualTo(401);
    }

    /**
     * Issue 12: the body used to be read whole (up to 100 MiB) before its size was looked at. Over the limit by less
     * than Tomcat's max-swallow-size (2 MiB): a larger unread rest makes Tomcat close the connection, and the client
     * may then see the reset instead of the answer (this test failed that way once with a body of five times the limit).
     */
    @Test
    void bodyOverTheIngressLimitIs413WithItsReason() {
        byte[] body = new byte[MAX_INGRESS_BYTES + 256 * 1024];
        java.util.Arrays.fill(body, (byte) ' ');
        body[0] = '[';

        Answer answer = http.post().uri("/api/v1/messages").contentType(MediaType.APPLICATION_JSON).body(body)
                .exchange((req, res) -> new Answer(res.getStatusCode().value(),
                        WireJson.mapper().readTree(res.getBody().readAllBytes())));

        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.body().path("error").asString()).isEqualTo("TOO_LARGE");
        assertThat(answer.body().path("detail").asString()).contains("im.router.max-ingress-bytes");
    }

    @Test
    void scheduledMessageIsListedUntilItIsDue() {
        Map<String, Object> later = Messages.textJson();
        later.put("message_id", "sched_1");
        later.put("deliver_at", System.currentTimeMillis() + Duration.ofHours(1).toMillis());

        assertThat(post(later).status()).isEqualTo(202);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Answer list = get("/api/v1/scheduled?limit=10");
            assertThat(list.status()).isEqualTo(200);
            assertThat(list.body().findValuesAsString("message_id")).contains("sched_1");
        });
        assertThat(get("/api/v1/scheduled?limit=0").status()).isEqualTo(400);
    }

    @Test
    void incomingTraceparentIsContinuedOnTheRoutedRecords() {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        var message = Messages.text("traced_1", "tina", "tom", "conv_traced", System.currentTimeMillis());
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers)) {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>("im-upstream-topic", "tina",
                    Messages.bytes(message));
            record.headers().add(ImHeaders.TRACEPARENT, ("00-" + traceId + "-00f067aa0ba902b7-01")
                    .getBytes(StandardCharsets.UTF_8));
            producer.send(record);
        }
        List<ConsumerRecord<String, byte[]>> records = KafkaTestClients.readUntil(brokers, List.of("im-routed-topic"),
                all -> all.stream().anyMatch(r -> new String(r.value(), StandardCharsets.UTF_8).contains("traced_1")),
                Duration.ofSeconds(30));
        ConsumerRecord<String, byte[]> routed = records.stream()
                .filter(r -> new String(r.value(), StandardCharsets.UTF_8).contains("traced_1")).findFirst()
                .orElseThrow();
        assertThat(StreamTracing.traceId(routed.headers())).isEqualTo(traceId);
        assertThat(new String(routed.headers().lastHeader(ImHeaders.TRACEPARENT).value(), StandardCharsets.UTF_8))
                .doesNotContain("00f067aa0ba902b7"); // a span of its own, child of the gateway's
    }
}
