package io.impipeline.dispatcher;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.impipeline.model.codec.Tasks;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.codec.WireSerde;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.trace.TraceStage;
import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.GatewayHeartbeat;
import io.impipeline.model.wire.PresenceEvent;
import io.impipeline.model.wire.RecipientPartitions;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.Task;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.testkit.KafkaTestClients;
import io.impipeline.testkit.Messages;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dispatcher on an embedded broker: gateways heartbeat, users go online and offline, a stream of routed records
 * lands on exactly the right gateway topics in {@code seq} order per recipient, offline users get pushes, group
 * batches reach each gateway once with their members, and a gateway's topic exists before its first record. Each
 * test has its own gateways and message ids: the tests share the app and its topics.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.kafka.bootstrap-servers=${spring.embedded.kafka.brokers}",
        "im.topics.replication-factor=1",
        "im.topics.specs.routed.partitions=3",
        "im.topics.specs.presence.partitions=3",
        "im.security.service-token=test-token",
        "im.dispatcher.gateway-scan-interval=200ms",
        "im.streams.state-dir=target/kafka-streams/it-${random.uuid}"})
@EmbeddedKafka(partitions = 1)
class DispatcherIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int MESSAGES_PER_RECIPIENT = 15;

    @Value("${spring.embedded.kafka.brokers}")
    String brokers;

    @LocalServerPort
    int port;

    @Autowired
    ImTopicsProperties topics;

    private static KafkaProducer<String, byte[]> producer;
    private static Admin admin;

    @BeforeAll
    static void clients(@Value("${spring.embedded.kafka.brokers}") String brokers) {
        producer = KafkaTestClients.producer(brokers);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers));
    }

    @AfterAll
    static void closeClients() {
        producer.close();
        admin.close();
    }

    @Test
    void routedRecordsLandOnExactlyTheRightGatewayTopicsInSeqOrder() throws Exception {
        RestClient http = http();
        assertThat(DownstreamDispatcherApplicationStartsIntegrationTest.awaitStatus(http,
                "/actuator/health/readiness")).contains("\"status\":\"UP\"");

        heartbeat("gw-1");
        heartbeat("gw-2");
        awaitTopics(topics.downstreamTopic("gw-1"), topics.downstreamTopic("gw-2"));

        online("u1", "u1-phone", "gw-1");
        online("u2", "u2-phone", "gw-2");
        online("u3", "u3-phone", "gw-1");
        online("u3", "u3-laptop", "gw-2");
        online("u4", "u4-phone", "gw-1");
        send(TopicKind.PRESENCE, "u4", new PresenceEvent("u4", "u4-phone", "gw-1", PresenceEvent.Status.OFFLINE,
                System.currentTimeMillis() + 1));
        awaitPresence(http, "u3", "u3-laptop");
        awaitPresence(http, "u4", "\"devices\":[]");

        for (int seq = 1; seq <= MESSAGES_PER_RECIPIENT; seq++) {
            for (String user : List.of("u1", "u2", "u3", "u4")) {
                send(TopicKind.ROUTED, user, routed("m-" + user + "-" + seq, user, seq));
            }
        }

        Map<String, List<DownstreamMessage>> gw1 = readDownstream("gw-1", 2 * MESSAGES_PER_RECIPIENT);
        Map<String, List<DownstreamMessage>> gw2 = readDownstream("gw-2", 2 * MESSAGES_PER_RECIPIENT);
        assertThat(gw1.keySet()).containsExactlyInAnyOrder("u1", "u3");
        assertThat(gw2.keySet()).containsExactlyInAnyOrder("u2", "u3");
        for (Map<String, List<DownstreamMessage>> perRecipient : List.of(gw1, gw2)) {
            perRecipient.values().forEach(list -> assertThat(list).extracting(DownstreamMessage::seq)
                    .containsExactlyElementsOf(seqs()));
        }
        assertThat(gw1.get("u3")).allSatisfy(m -> assertThat(m.deviceIds()).containsExactly("u3-phone"));
        assertThat(gw2.get("u3")).allSatisfy(m -> assertThat(m.deviceIds()).containsExactly("u3-laptop"));

        List<Task> pushes = readPushes("m-", MESSAGES_PER_RECIPIENT);
        assertThat(pushes).hasSize(MESSAGES_PER_RECIPIENT)
                .allSatisfy(t -> assertThat(Tasks.offlinePushPayload(t).userIds()).containsExactly("u4"));

        String gateways = http.get().uri("/api/v1/gateways").header("X-Service-Token", "test-token")
                .retrieve().body(String.class);
        assertThat(gateways).contains("\"gateway_id\":\"gw-1\"", "\"state\":\"live\"", "\"topic_ready\":true");

        String metrics = http.get().uri("/actuator/prometheus").header("X-Service-Token", "test-token")
                .retrieve().body(String.class);
        assertThat(metrics).contains("im_dispatcher_deliveries_total{", "outcome=\"delivered\"",
                "outcome=\"offline\"", "im_dispatcher_recipients_total{", "im_e2e_latency_seconds_bucket");
    }

    /**
     * A group message as the router writes it (contract v2): one batch per partition of im-routed-topic, written to
     * that partition, keyed by the conversation. Each gateway gets one record per batch that has members on it,
     * listing them with their devices there; the offline member gets a push.
     */
    @Test
    void groupBatchesReachEachGatewayOnceWithItsMembersAndTheOfflineMemberIsPushed() throws Exception {
        heartbeat("gw-x");
        heartbeat("gw-y");
        awaitTopics(topics.downstreamTopic("gw-x"), topics.downstreamTopic("gw-y"));
        online("g-m1", "g-m1-phone", "gw-x");
        online("g-m2", "g-m2-phone", "gw-x");
        online("g-m2", "g-m2-laptop", "gw-y");
        online("g-m3", "g-m3-phone", "gw-y");
        for (String user : List.of("g-m1", "g-m2", "g-m3")) {
            awaitPresence(http(), user, user + "-phone");
        }
        awaitPresence(http(), "g-m2", "g-m2-laptop");

        List<String> members = List.of("g-m1", "g-m2", "g-m3", "g-m4");
        Map<Integer, List<String>> batches = RecipientPartitions.byPartition(members,
                topics.spec(TopicKind.ROUTED).partitions());
        long now = System.currentTimeMillis();
        SequencedMessage message = new SequencedMessage(Messages.groupText("g-1", "g-sender", "grp", now), 1, now);
        batches.forEach((partition, batch) -> send(new ProducerRecord<>(topics.name(TopicKind.ROUTED), partition,
                message.message().conversationId(), WireJson.toBytes(RoutedMessage.batch(batch, message, now)))));

        Map<String, List<String>> onX = readGroupRecipients("gw-x", batchesReaching(batches, "g-m1", "g-m2"));
        Map<String, List<String>> onY = readGroupRecipients("gw-y", batchesReaching(batches, "g-m2", "g-m3"));
        assertThat(onX).containsExactlyInAnyOrderEntriesOf(Map.of("g-m1", List.of("g-m1-phone"),
                "g-m2", List.of("g-m2-phone")));
        assertThat(onY).containsExactlyInAnyOrderEntriesOf(Map.of("g-m2", List.of("g-m2-laptop"),
                "g-m3", List.of("g-m3-phone")));
        assertThat(readPushes("g-", 1)).singleElement()
                .satisfies(t -> assertThat(Tasks.offlinePushPayload(t).userIds()).containsExactly("g-m4"));

        // Message trace (issue 15), through the trace output binding: per routed record one event keyed by the
        // message id: delivered listing its downstream records, carrying push_task when the batch also has the
        // offline member; push_task alone when the offline member's batch reaches nobody online.
        int downstreamRecords = batchesReaching(batches, "g-m1", "g-m2") + batchesReaching(batches, "g-m2", "g-m3");
        long routedWithDeliveries = batches.values().stream()
                .filter(b -> b.contains("g-m1") || b.contains("g-m2") || b.contains("g-m3")).count();
        boolean pushAlone = batches.values().stream().filter(b -> b.contains("g-m4"))
                .noneMatch(b -> b.contains("g-m1") || b.contains("g-m2") || b.contains("g-m3"));
        List<TraceEvent> traced = readTrace("g-1", (int) routedWithDeliveries + (pushAlone ? 1 : 0));
        assertThat(traced).allSatisfy(e -> assertThat(e.fromUserId()).isEqualTo("g-sender"));
        assertThat(traced).filteredOn(e -> e.stage() == TraceStage.DELIVERED).hasSize((int) routedWithDeliveries)
                .flatExtracting(e -> (List<?>) e.detail().get("deliveries")).hasSize(downstreamRecords)
                .extracting(d -> (Object) ((Map<?, ?>) d).get("topic"))
                .containsOnly(topics.downstreamTopic("gw-x"), topics.downstreamTopic("gw-y"));
        List<Object> pushTasks = traced.stream().map(e -> e.stage() == TraceStage.PUSH_TASK ? e.detail()
                : e.detail().get(TraceStage.PUSH_TASK.wireName())).filter(Objects::nonNull).map(d -> (Object) d)
                .toList();
        assertThat(pushTasks).as("one push task, for the offline member, alone or carried")
                .containsExactly(Map.of("users", 1, "tasks", 1));
    }

    /** Reads the trace events of one message (key = message_id) from im-trace-topic until there are {@code count}. */
    private List<TraceEvent> readTrace(String messageId, int count) {
        Function<List<ConsumerRecord<String, byte[]>>, List<TraceEvent>> mine = records -> records.stream()
                .filter(r -> messageId.equals(r.key()))
                .map(r -> WireSerde.of(TraceEvent.class).deserializer().deserialize(r.topic(), r.value())).toList();
        return mine.apply(KafkaTestClients.readUntil(brokers, List.of(topics.name(TopicKind.TRACE)),
                r -> mine.apply(r).size() >= count, WAIT));
    }

    /**
     * Issue 15: an operator pauses trace writing at run time (PUT /api/v1/trace-writing, behind the service token): the
     * message is delivered as before and makes no trace event; resumed, the next one makes its event again.
     */
    @Test
    void traceWritingPausedAtRunTimeStopsTheEventsNotTheDeliveriesAndResumes() throws Exception {
        heartbeat("gw-pause");
        awaitTopics(topics.downstreamTopic("gw-pause"));
        online("u-pause", "u-pause-phone", "gw-pause");
        awaitPresence(http(), "u-pause", "u-pause-phone");
        assertThat(traceWriting(null, "{\"writing\": false}")).as("without the token").startsWith("401");
        assertThat(traceWriting("test-token", "{\"paused\": true}")).as("a body without writing")
                .startsWith("400").contains("MISSING_FIELD");
        assertThat(traceWriting("test-token", "{\"writing\": false}", "o".repeat(65))).as("an over-long operator")
                .startsWith("400").contains("INVALID_FIELD");
        assertThat(http().get().uri("/api/v1/trace-writing").header("X-Service-Token", "test-token").retrieve()
                .body(String.class)).as("nothing refused changed it").isEqualTo("{\"enabled\":true,\"writing\":true}");
        try {
            assertThat(traceWriting("test-token", "{\"writing\": false}"))
                    .isEqualTo("200 {\"enabled\":true,\"writing\":false}");
            assertThat(http().get().uri("/api/v1/trace-writing").header("X-Service-Token", "test-token").retrieve()
                    .body(String.class)).isEqualTo("{\"enabled\":true,\"writing\":false}");
            send(TopicKind.ROUTED, "u-pause", routed("m-pause-1", "u-pause", 1));
            assertThat(readDownstream("gw-pause", 1).get("u-pause")).extracting(DownstreamMessage::messageId)
                    .containsExactly("m-pause-1");
        } finally {
            assertThat(traceWriting("test-token", "{\"writing\": true}"))
                    .isEqualTo("200 {\"enabled\":true,\"writing\":true}");
        }
        send(TopicKind.ROUTED, "u-pause", routed("m-pause-2", "u-pause", 2));
        assertThat(readTrace("m-pause-2", 1)).singleElement()
                .satisfies(e -> assertThat(e.stage()).isEqualTo(TraceStage.DELIVERED));
        // Read committed: m-pause-1's downstream record was visible, so an event of its transaction would be too.
        assertThat(KafkaTestClients.readUntil(brokers, List.of(topics.name(TopicKind.TRACE)), r -> false,
                Duration.ofSeconds(2))).as("no event of the message handled while paused")
                .noneMatch(r -> "m-pause-1".equals(r.key()));
    }

    /** {@code PUT /api/v1/trace-writing} with {@code body}: "status body". */
    private String traceWriting(String token, String body) {
        return traceWriting(token, body, "ops-test");
    }

    /** The same, as {@code operator} ({@code X-Operator}). */
    private String traceWriting(String token, String body, String operator) {
        return http().put().uri("/api/v1/trace-writing")
                .headers(h -> {
                    if (token != null) {
                        h.set("X-Service-Token", token);
                    }
                    h.set("X-Operator", operator);
                })
                .contentType(org.springframework.http.MediaType.APPLICATION_JSON).body(body)
                .exchange((request, response) -> response.getStatusCode().value() + " "
                        + new String(response.getBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void newGatewaysTopicExistsBeforeItsFirstRecordEvenWhenTrafficFollowsTheFirstHeartbeatAtOnce() {
        assertThat(topicNames()).doesNotContain(topics.downstreamTopic("gw-new"));

        heartbeat("gw-new");
        online("u9", "u9-phone", "gw-new");
        awaitPresence(http(), "u9", "u9-phone");
        send(TopicKind.ROUTED, "u9", routed("m-u9-1", "u9", 1));

        Map<String, List<DownstreamMessage>> delivered = readDownstream("gw-new", 1);
        assertThat(delivered.get("u9")).extracting(DownstreamMessage::messageId).containsExactly("m-u9-1");
    }

    /**
     * Issue 12, sizes at the limits: an outside producer that compresses can put records far larger than the
     * dispatcher's producer may write on the broker (the broker limits the compressed batch). Their dead letters are
     * cut to fit: written, not failing the producer (which would stop the app at every restart).
     */
    @Test
    void recordsLargerThanTheProducerMayWriteAreDeadLetteredCutToFitAndTheAppGoesOn() throws Exception {
        String hugeKey = "huge-key-" + "k".repeat(3 * 1024 * 1024);
        byte[] presence = WireJson.toBytes(new PresenceEvent("u-huge", "phone", "gw-1", PresenceEvent.Status.ONLINE,
                System.currentTimeMillis()));
        byte[] hugeRouted = ("{\"content\":\"" + "x".repeat(3 * 1024 * 1024) + "\"}").getBytes();
        try (KafkaProducer<String, byte[]> compressing = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024),
                new StringSerializer(), new ByteArraySerializer())) {
            compressing.send(new ProducerRecord<>(topics.name(TopicKind.PRESENCE), hugeKey, presence))
                    .get(10, TimeUnit.SECONDS);
            compressing.send(new ProducerRecord<>(topics.name(TopicKind.ROUTED), "u-huge-routed", hugeRouted))
                    .get(10, TimeUnit.SECONDS);
        }

        ConsumerRecord<String, byte[]> presenceDead = readDeadLetter(TopicKind.PRESENCE, "huge-key-");
        ConsumerRecord<String, byte[]> routedDead = readDeadLetter(TopicKind.ROUTED, "u-huge-routed");
        assertThat(presenceDead.key()).hasSize(1024);
        assertThat(presenceDead.value()).isEqualTo(presence);
        assertThat(routedDead.value().length).isLessThan(2 * 1024 * 1024);
        assertThat(new String(routedDead.headers().lastHeader("im_dlt-reason").value())).isEqualTo("TOO_LARGE");

        // Still running: the next records are processed.
        heartbeat("gw-after");
        awaitTopics(topics.downstreamTopic("gw-after"));
        online("u-after", "u-after-phone", "gw-after");
        awaitPresence(http(), "u-after", "u-after-phone");
        send(TopicKind.ROUTED, "u-after", routed("m-after-1", "u-after", 1));
        assertThat(readDownstream("gw-after", 1).get("u-after")).extracting(DownstreamMessage::messageId)
                .containsExactly("m-after-1");
    }

    private ConsumerRecord<String, byte[]> readDeadLetter(TopicKind kind, String keyPrefix) {
        List<ConsumerRecord<String, byte[]>> read = KafkaTestClients.readUntil(brokers,
                List.of(topics.dlqTopic(kind)),
                r -> r.stream().anyMatch(c -> c.key() != null && c.key().startsWith(keyPrefix)), WAIT);
        return read.stream().filter(c -> c.key() != null && c.key().startsWith(keyPrefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no dead letter on " + topics.dlqTopic(kind)));
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private RestClient http() {
        return RestClient.create("http://localhost:" + port);
    }

    private void heartbeat(String gatewayId) {
        send(TopicKind.GATEWAY, gatewayId, new GatewayHeartbeat(gatewayId, GatewayHeartbeat.Status.UP,
                System.currentTimeMillis()));
    }

    private void online(String user, String device, String gatewayId) {
        send(TopicKind.PRESENCE, user, new PresenceEvent(user, device, gatewayId, PresenceEvent.Status.ONLINE,
                System.currentTimeMillis()));
    }

    private RoutedMessage routed(String messageId, String recipient, long seq) {
        long now = System.currentTimeMillis();
        UpstreamMessage m = new UpstreamMessage(messageId, "sender", recipient, "conv-" + recipient, "hi " + seq,
                "text", Map.of(), "gw-1", "s-phone", now, UpstreamMessage.CURRENT_VERSION, null, null);
        return RoutedMessage.to(recipient, new SequencedMessage(m, seq, now), false, now);
    }

    private void send(TopicKind kind, String key, Object value) {
        send(new ProducerRecord<>(topics.name(kind), key, WireJson.toBytes(value)));
    }

    private void send(ProducerRecord<String, byte[]> record) {
        try {
            producer.send(record).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("cannot send to " + record.topic(), e);
        }
    }

    /** Reads the push tasks of messages whose id starts with {@code prefix} (each test has its own). */
    private List<Task> readPushes(String messageIdPrefix, int count) {
        Function<List<ConsumerRecord<String, byte[]>>, List<Task>> mine = records -> records
                .stream().map(r -> WireSerde.of(Task.class).deserializer().deserialize(r.topic(), r.value()))
                .filter(t -> Tasks.offlinePushPayload(t).messageId().startsWith(messageIdPrefix)).toList();
        return mine.apply(KafkaTestClients.readUntil(brokers, List.of(topics.name(TopicKind.TASK)),
                r -> mine.apply(r).size() >= count, WAIT));
    }

    /** How many of the batches list one of {@code users}: the records a gateway holding them all receives. */
    private static int batchesReaching(Map<Integer, List<String>> batches, String... users) {
        return (int) batches.values().stream().filter(b -> b.stream().anyMatch(List.of(users)::contains)).count();
    }

    /** Reads exactly {@code count} group records from a gateway topic: user -> its devices there, over all records. */
    private Map<String, List<String>> readGroupRecipients(String gatewayId, int count) {
        KafkaTestClients.readAtLeast(brokers, topics.downstreamTopic(gatewayId), count, WAIT);
        List<ConsumerRecord<String, byte[]>> all = KafkaTestClients.readUntil(brokers,
                List.of(topics.downstreamTopic(gatewayId)), r -> false, Duration.ofSeconds(2));
        assertThat(all).as("records on " + gatewayId).hasSize(count);
        Map<String, List<String>> devices = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> r : all) {
            DownstreamMessage m = WireSerde.of(DownstreamMessage.class).deserializer()
                    .deserialize(r.topic(), r.value());
            assertThat(r.key()).isEqualTo(m.conversationId());
            assertThat(r.headers().lastHeader("traceparent")).as("trace context carried").isNotNull();
            m.recipients().forEach(recipient -> assertThat(devices.put(recipient.userId(), recipient.deviceIds()))
                    .as(recipient.userId() + " listed once per gateway").isNull());
        }
        return devices;
    }

    private Set<String> topicNames() {
        try {
            return admin.listTopics().names().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private void awaitTopics(String... names) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!topicNames().containsAll(List.of(names)) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(topicNames()).contains(names);
    }

    private void awaitPresence(RestClient http, String user, String expected) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            body = http.get().uri("/api/v1/presence/{u}", user).header("X-Service-Token", "test-token")
                    .exchange((req, res) -> new String(res.getBody().readAllBytes()));
            if (body.contains(expected)) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        assertThat(body).as("presence of " + user).contains(expected);
    }

    /** Reads a gateway topic until {@code count} records (then a little more, to catch extras), per recipient. */
    private Map<String, List<DownstreamMessage>> readDownstream(String gatewayId, int count) {
        List<ConsumerRecord<String, byte[]>> records = KafkaTestClients.readAtLeast(brokers,
                topics.downstreamTopic(gatewayId), count, WAIT);
        List<ConsumerRecord<String, byte[]>> extra = KafkaTestClients.readUntil(brokers,
                List.of(topics.downstreamTopic(gatewayId)), r -> false, Duration.ofSeconds(2));
        assertThat(extra).as("records on " + gatewayId).hasSize(count);
        Map<String, List<DownstreamMessage>> byRecipient = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            DownstreamMessage m = WireSerde.of(DownstreamMessage.class).deserializer().deserialize(r.topic(), r.value());
            assertThat(r.key()).isEqualTo(m.toUserId());
            assertThat(r.headers().lastHeader("traceparent")).as("trace context carried").isNotNull();
            byRecipient.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(m);
        }
        return byRecipient;
    }

    private static List<Long> seqs() {
        List<Long> seqs = new ArrayList<>();
        for (long s = 1; s <= MESSAGES_PER_RECIPIENT; s++) {
            seqs.add(s);
        }
        return seqs;
    }
}
