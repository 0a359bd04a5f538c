package io.impipeline.worker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.trace.TraceStage;
import io.impipeline.testkit.KafkaTestClients;
import io.impipeline.testkit.TestPostgres;
import io.impipeline.worker.fanout.FanoutPageListener;
import io.impipeline.worker.fanout.FanoutProgress;
import io.impipeline.worker.fanout.GroupMembersStore;
import io.impipeline.worker.settings.WorkerTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The worker's trace events (issue 15) against an embedded broker, a real PostgreSQL and a local push webhook:
 * {@code fanned_out} per page, in the poll's Kafka transaction (read here with read_committed, as the dlq-handler
 * reads them); no {@code persisted} and no {@code pushed} event at all, however the task went (the rows in
 * {@code messages} and {@code push_notifications} are the record of that work, and the dlq-handler derives those
 * stages from them), checked once the poll that did the work committed, on everything the trace topic holds; and
 * nothing at all with {@code im.trace.enabled=false}.
 */
class MessageTraceIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** What the shared worker's page listener does; null: nothing. */
    private static final AtomicReference<FanoutPageListener> HOOK = new AtomicReference<>();
    /** Webhook calls per Idempotency-Key: 503 on the first call of a batch whose first user is flaky-*. */
    private static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();

    private static EmbeddedKafkaKraftBroker broker;
    private static HttpServer webhook;
    private static String databaseUrl;
    private static ConfigurableApplicationContext worker;
    private static WorkerTopics topics;
    private static JdbcTemplate jdbc;

    @BeforeAll
    static void start() throws IOException {
        broker = io.impipeline.testkit.TestBrokers.start(1);
        webhook = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        webhook.createContext("/push", MessageTraceIntegrationTest::answer);
        webhook.start();
        databaseUrl = TestPostgres.shared().newDatabase("worker_trace");
        worker = worker(null, List.of());
        topics = worker.getBean(WorkerTopics.class);
        jdbc = worker.getBean(JdbcTemplate.class);
    }

    @AfterAll
    static void stop() {
        if (worker != null) {
            worker.close();
        }
        if (webhook != null) {
            webhook.stop(0);
        }
        broker.destroy();
    }

    // ---- persist_message: no event, the row is the record -------------------------------------------------------

    @Test
    void aPersistTaskWritesNoTraceEventItsRowIsTheRecord() {
        List<RecordMetadata> sent = new ArrayList<>();
        for (int seq = 1; seq <= 5; seq++) {
            sent.add(send(topics.task(), "trace-conv", TaskFixtures.persist("trace-m" + seq, "trace-conv", seq)));
            if (seq == 3) {
                // Valid for the validator (ids up to 200 here), too long for the column: never stored.
                sent.add(send(topics.task(), "trace-conv", TaskFixtures.persist("trace-long", "c".repeat(150), 1)));
            }
        }
        sent.forEach(record -> awaitCommitted(topics.taskGroup(), record));

        // The rows are there (stored_at: when), the refused one is dead-lettered, and none of them has an event.
        assertThat(jdbc.queryForList("SELECT message_id FROM messages WHERE from_user_id = 'alice' "
                + "AND conversation_id = 'trace-conv' AND stored_at IS NOT NULL ORDER BY seq", String.class))
                .containsExactly("trace-m1", "trace-m2", "trace-m3", "trace-m4", "trace-m5");
        assertThat(KafkaTestClients.readUntil(brokers(), List.of(topics.taskDlq()),
                r -> r.stream().anyMatch(x -> "trace-conv".equals(x.key())), WAIT))
                .anyMatch(r -> "trace-conv".equals(r.key()));
        assertNoEventFor("trace-m1", "trace-m2", "trace-m3", "trace-m4", "trace-m5", "trace-long");
        assertNoPersistedOrPushedEvent();
    }

    @Test
    void aPersistTaskDeliveredAgainStaysOneRowAndWritesNoTraceEvent() {
        awaitCommitted(topics.taskGroup(),
                send(topics.task(), "again-conv", TaskFixtures.persist("again-m1", "again-conv", 1)));
        // The same task again, in a later poll (a replay, an offset reset): the row is there and stays one.
        awaitCommitted(topics.taskGroup(),
                send(topics.task(), "again-conv", TaskFixtures.persist("again-m1", "again-conv", 1)));

        assertThat(jdbc.queryForObject("SELECT count(*) FROM messages WHERE message_id = 'again-m1'", Integer.class))
                .isEqualTo(1);
        assertNoEventFor("again-m1");
        assertNoPersistedOrPushedEvent();
    }

    // ---- offline_push: no event, the ledger is the record ------------------------------------------------------

    @Test
    void aPushBatchWritesNoTraceEventItsLedgerRowsAreTheRecord() {
        List<String> users = TaskFixtures.users("tp-", 500);
        awaitCommitted(topics.taskGroup(), send(topics.task(), "tp-0000", TaskFixtures.push(users, "trace-push-m1")));

        assertThat(jdbc.queryForObject("SELECT count(*) FROM push_notifications WHERE message_id = 'trace-push-m1' "
                + "AND status = 'SENT' AND updated_at IS NOT NULL AND last_error IS NULL", Integer.class))
                .isEqualTo(500);
        assertThat(CALLS.get("push:alice:trace-push-m1:tp-0000")).hasValue(1);
        assertNoEventFor("trace-push-m1");
        assertNoPersistedOrPushedEvent();
    }

    @Test
    void aPushTheProviderFailsOnceWritesNoTraceEventOnEitherAttemptAndTheLedgerHasTheOutcome() {
        awaitCommitted(topics.taskGroup(), send(topics.task(), "flaky-a",
                TaskFixtures.push(List.of("flaky-a", "flaky-b"), "trace-push-m2")));
        // Attempt 1 (the webhook answered 503) wrote the retry record in its poll's transaction; attempt 2 reads it.
        ConsumerRecord<String, byte[]> retry = KafkaTestClients.readUntil(brokers(), List.of(topics.retry()),
                        r -> r.stream().anyMatch(MessageTraceIntegrationTest::isFlakyRetry), WAIT).stream()
                .filter(MessageTraceIntegrationTest::isFlakyRetry).findFirst().orElseThrow();
        awaitCommitted(topics.retryGroup(), retry.topic(), retry.partition(), retry.offset());

        assertThat(CALLS.get("push:alice:trace-push-m2:flaky-a")).hasValue(2);
        assertThat(jdbc.queryForList("SELECT status || '/' || attempts FROM push_notifications "
                + "WHERE from_user_id = 'alice' AND message_id = 'trace-push-m2' ORDER BY user_id", String.class))
                .containsExactly("SENT/2", "SENT/2");
        assertNoEventFor("trace-push-m2");
        assertNoPersistedOrPushedEvent();
    }

    // ---- one poll of every kind --------------------------------------------------------------------------------

    @Test
    void aPollWithPersistPushAndFanOutTasksCommitsOnlyTheFanOutsEvent() {
        List<String> members = TaskFixtures.users("tm-", 6);
        createGroup("mixed-group", members);
        // One key: one partition, so the three tasks are polled in order, most likely together.
        List<RecordMetadata> sent = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers())) {
            for (byte[] task : List.of(TaskFixtures.persist("mixed-m1", "mixed-conv", 1),
                    TaskFixtures.push(List.of("tm-0001", "tm-0002"), "mixed-m2"),
                    TaskFixtures.fanout("mixed-group", "mixed-m3", members.get(0), 10))) {
                sent.add(producer.send(new ProducerRecord<>(topics.task(), "mixed-group", task)).get(30,
                        TimeUnit.SECONDS));
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        List<TraceEvent> fannedOut = awaitEvents(e -> e.messageId().equals("mixed-m3"), 1);
        sent.forEach(record -> awaitCommitted(topics.taskGroup(), record));

        assertThat(fannedOut).singleElement().satisfies(e -> {
            assertThat(e.stage()).isEqualTo(TraceStage.FANNED_OUT);
            assertThat(e.detail()).containsEntry("group_id", "mixed-group").containsEntry("page", 1)
                    .containsEntry("recipients", 5);
        });
        assertThat(jdbc.queryForObject("SELECT count(*) FROM messages WHERE message_id = 'mixed-m1'", Integer.class))
                .isEqualTo(1);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM push_notifications WHERE message_id = 'mixed-m2' "
                + "AND status = 'SENT'", Integer.class)).isEqualTo(2);
        assertNoEventFor("mixed-m1", "mixed-m2");
        assertNoPersistedOrPushedEvent();
    }

    // ---- fanned_out --------------------------------------------------------------------------------------------

    @Test
    void everyFanOutPageIsTracedOnceInThePagesTransaction() {
        List<String> members = TaskFixtures.users("tf-", 30);
        String sender = members.get(0);
        createGroup("trace-group", members);
        // Page 2 "crashes" twice after its records (and its trace event) went to the producer: two aborted
        // transactions, then the page is redone and commits. Traced with any producer but the poll's transactional
        // one, page 2 would show three times.
        AtomicInteger crashes = new AtomicInteger();
        HOOK.set((group, message, page, sent) -> {
            if (message.equals("trace-fan-m1") && page == 2 && crashes.getAndIncrement() < 2) {
                throw new IllegalStateException("simulated crash after page 2");
            }
        });
        try {
            send(topics.task(), "trace-group", TaskFixtures.fanout("trace-group", "trace-fan-m1", sender, 10));
            FanoutProgress progress = worker.getBean(FanoutProgress.class);
            FanoutProgress.Key key = new FanoutProgress.Key("trace-group", sender, "trace-fan-m1");
            await().atMost(WAIT).until(() -> progress.find(key) != null && progress.find(key).done());
        } finally {
            HOOK.set(null);
        }
        assertThat(crashes.get()).as("page 2 written three times").isEqualTo(3);

        List<TraceEvent> committed = events(e -> e.messageId().equals("trace-fan-m1"));
        assertThat(committed).allMatch(e -> e.stage() == TraceStage.FANNED_OUT && e.fromUserId().equals(sender));
        assertThat(committed).extracting(e -> e.detail().get("page")).containsExactly(1, 2, 3);
        // Page 1 has the sender, who is not a recipient.
        assertThat(committed).extracting(e -> e.detail().get("recipients")).containsExactly(9, 10, 10);
        assertThat(committed).allSatisfy(e -> {
            assertThat(e.detail()).containsEntry("group_id", "trace-group");
            assertThat(((Number) e.detail().get("records")).intValue()).isPositive();
        });
        // The two aborted attempts' events never reach a read_committed reader: dropped by the producer when the
        // transaction aborted before they were sent, or in the log as aborted records (how many of each depends on
        // timing, so only the committed view is asserted).
    }

    // ---- im.trace.enabled=false --------------------------------------------------------------------------------

    @Test
    void traceOffWritesNoTraceEvents() {
        // Its own topics (prefix), groups and instance: the shared worker keeps running beside it.
        try (ConfigurableApplicationContext off = worker("off.", List.of("--im.trace.enabled=false"))) {
            WorkerTopics offTopics = off.getBean(WorkerTopics.class);
            GroupMembersStore groups = off.getBean(GroupMembersStore.class);
            FanoutProgress progress = off.getBean(FanoutProgress.class);
            send(offTopics.group(), "off-group", TaskFixtures.group("off-group", TaskFixtures.users("off-", 12), 1));
            await().atMost(WAIT).until(() -> groups.count("off-group") == 12);
            send(offTopics.task(), "off-conv", TaskFixtures.persist("off-m1", "off-conv", 1));
            send(offTopics.task(), "off-u1", TaskFixtures.push(List.of("off-u1", "off-u2"), "off-m2"));
            send(offTopics.task(), "off-group", TaskFixtures.fanout("off-group", "off-m3", "off-0000", 5));

            FanoutProgress.Key key = new FanoutProgress.Key("off-group", "off-0000", "off-m3");
            await().atMost(WAIT).until(() -> progress.find(key) != null && progress.find(key).done()
                    && jdbc.queryForObject("SELECT count(*) FROM messages WHERE message_id = 'off-m1'", Integer.class)
                    == 1 && jdbc.queryForObject("SELECT count(*) FROM push_notifications WHERE message_id = 'off-m2' "
                    + "AND status = 'SENT'", Integer.class) == 2);

            // The work was done and committed (the fan-out's pages), and the trace topic has nothing, even
            // uncommitted.
            assertThat(offTopics.trace()).isEqualTo("off.im-trace-topic");
            assertThat(TaskFixtures.readAll(brokers(), offTopics.trace(), false)).isEmpty();
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static String brokers() {
        return broker.getBrokersAsString();
    }

    /** The committed trace events that match, in log order (one partition per message: its key). */
    private static List<TraceEvent> events(java.util.function.Predicate<TraceEvent> which) {
        return TaskFixtures.readAll(brokers(), topics.trace(), true).stream()
                .map(r -> WireJson.fromBytes(r.value(), TraceEvent.class)).filter(which).toList();
    }

    /**
     * Waits until at least {@code count} committed events match, then returns every committed event that matches
     * (read to the end of the topic, so that an extra one written with them would be among them).
     */
    private static List<TraceEvent> awaitEvents(java.util.function.Predicate<TraceEvent> which, int count) {
        KafkaTestClients.readUntil(brokers(), List.of(topics.trace()), records -> records.stream()
                .map(r -> WireJson.fromBytes(r.value(), TraceEvent.class)).filter(which).count() >= count, WAIT);
        return events(which);
    }

    private static void createGroup(String groupId, List<String> members) {
        send(topics.group(), groupId, TaskFixtures.group(groupId, members, 1));
        GroupMembersStore groups = worker.getBean(GroupMembersStore.class);
        await().atMost(WAIT).until(() -> groups.count(groupId) == members.size());
    }

    private static RecordMetadata send(String topic, String key, byte[] value) {
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers())) {
            return producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitCommitted(String group, RecordMetadata record) {
        awaitCommitted(group, record.topic(), record.partition(), record.offset());
    }

    /**
     * Waits until the worker's consumer group has committed an offset past the record: the poll that handled it
     * committed its Kafka transaction (the offsets of a poll commit with its output, trace events included), so
     * every event it wrote is on the trace topic and visible to read_committed.
     */
    private static void awaitCommitted(String group, String topic, int partition, long offset) {
        TopicPartition tp = new TopicPartition(topic, partition);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers()))) {
            await().atMost(WAIT).until(() -> {
                OffsetAndMetadata committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                        .get(30, TimeUnit.SECONDS).get(tp);
                return committed != null && committed.offset() > offset;
            });
        }
    }

    /**
     * No event of these messages on the trace topic: neither committed nor in any transaction, open or aborted
     * (read_uncommitted sees every record a producer wrote).
     */
    private static void assertNoEventFor(String... messageIds) {
        Set<String> ids = Set.of(messageIds);
        for (boolean committedOnly : new boolean[] {true, false}) {
            assertThat(TaskFixtures.readAll(brokers(), topics.trace(), committedOnly))
                    .as("trace records of %s (read_committed: %s)", ids, committedOnly)
                    .noneMatch(r -> ids.contains(r.key())
                            || ids.contains(WireJson.fromBytes(r.value(), TraceEvent.class).messageId()));
        }
    }

    /** The worker writes no persisted and no pushed event, for any message, committed or not. */
    private static void assertNoPersistedOrPushedEvent() {
        for (boolean committedOnly : new boolean[] {true, false}) {
            assertThat(TaskFixtures.readAll(brokers(), topics.trace(), committedOnly))
                    .extracting(r -> WireJson.fromBytes(r.value(), TraceEvent.class).stage())
                    .as("stages on the trace topic (read_committed: %s)", committedOnly)
                    .doesNotContain(TraceStage.PERSISTED, TraceStage.PUSHED);
        }
    }

    private static boolean isFlakyRetry(ConsumerRecord<String, byte[]> record) {
        return "flaky-a".equals(record.key())
                && new String(record.value(), StandardCharsets.UTF_8).contains("\"trace-push-m2\"");
    }

    private static void answer(HttpExchange exchange) throws IOException {
        String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
        exchange.getRequestBody().readAllBytes();
        int call = CALLS.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        exchange.sendResponseHeaders(key.contains(":flaky-") && call == 1 ? 503 : 200, -1);
        exchange.close();
    }

    /**
     * A worker on the shared broker and database with the webhook as its push provider. With a topic prefix, it has
     * its own topics, consumer groups and instance id (transactional ids), so it runs beside the shared worker.
     */
    private static ConfigurableApplicationContext worker(String prefix, List<String> extra) {
        SpringApplicationBuilder builder = new SpringApplicationBuilder(TaskWorkerApplication.class);
        if (prefix == null) {
            builder.initializers(context -> context.getBeanFactory().registerSingleton("testPageListener",
                    (FanoutPageListener) (group, message, page, sent) -> {
                        FanoutPageListener hook = HOOK.get();
                        if (hook != null) {
                            hook.afterPage(group, message, page, sent);
                        }
                    }));
        }
        List<String> args = new ArrayList<>(List.of(
                "--spring.kafka.bootstrap-servers=" + brokers(),
                "--spring.datasource.url=" + databaseUrl,
                "--spring.datasource.username=" + TestPostgres.shared().user(),
                "--spring.datasource.password=postgres",
                "--server.port=0",
                "--im.topics.replication-factor=1",
                "--im.worker.outage.max-interval=1s",
                "--im.worker.retry.initial-interval=200ms",
                "--im.worker.retry.max-interval=1s",
                "--im.worker.push.provider=webhook",
                "--im.worker.push.webhook.url=http://localhost:" + webhook.getAddress().getPort() + "/push",
                // Ids longer than the database's columns (128) pass the validator: a row PostgreSQL refuses.
                "--im.validation.max-id-length=200"));
        if (prefix != null) {
            args.addAll(List.of(
                    "--im.topics.prefix=" + prefix,
                    "--im.instance-id=" + prefix + "worker",
                    "--im.worker.task-group=" + prefix + "task-group",
                    "--im.worker.retry-group=" + prefix + "retry-group",
                    "--im.worker.projection-group=" + prefix + "projection-group"));
        }
        args.addAll(extra);
        return builder.run(args.toArray(String[]::new));
    }
}
