package io.impipeline.worker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
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
 * {@code persisted} once the row is stored, one {@code pushed} per push batch with the provider's result,
 * {@code fanned_out} per page, all in the poll's Kafka transaction (read here with read_committed, as the
 * dlq-handler reads them), and nothing at all with {@code im.trace.enabled=false}.
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

    // ---- persisted ---------------------------------------------------------------------------------------------

    @Test
    void persistedMessageIsTracedAfterItsRowIsStored() {
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers())) {
            for (int seq = 1; seq <= 5; seq++) {
                producer.send(new ProducerRecord<>(topics.task(), "trace-conv",
                        TaskFixtures.persist("trace-m" + seq, "trace-conv", seq)));
                if (seq == 3) {
                    // Valid for the validator (ids up to 200 here), too long for the column: never stored.
                    producer.send(new ProducerRecord<>(topics.task(), "trace-conv",
                            TaskFixtures.persist("trace-long", "c".repeat(150), 1)));
                }
            }
        }
        // The refused row is dead-lettered in the same poll's transaction as the others' trace events.
        KafkaTestClients.readUntil(brokers(), List.of(topics.taskDlq()),
                r -> r.stream().anyMatch(x -> "trace-conv".equals(x.key())), WAIT);
        List<TraceEvent> events = awaitEvents(e -> e.messageId().startsWith("trace-m"), 5);

        assertThat(events).extracting(TraceEvent::messageId)
                .containsExactlyInAnyOrder("trace-m1", "trace-m2", "trace-m3", "trace-m4", "trace-m5");
        for (TraceEvent event : events) {
            assertThat(event.stage()).isEqualTo(TraceStage.PERSISTED);
            assertThat(event.fromUserId()).isEqualTo("alice");
            assertThat(event.app()).isEqualTo("task-worker");
            assertThat(event.detail()).containsEntry("conversation_id", "trace-conv")
                    .doesNotContainKey("already_stored").doesNotContainKey("content");
            long seq = ((Number) event.detail().get("seq")).longValue();
            assertThat(event.messageId()).isEqualTo("trace-m" + seq);
            // Traced once its row was committed (stored_at is the insert's transaction time; 1 ms for rounding).
            Long storedAt = jdbc.queryForObject("SELECT (extract(epoch FROM stored_at) * 1000)::bigint FROM messages "
                    + "WHERE from_user_id = 'alice' AND message_id = ?", Long.class, event.messageId());
            assertThat(event.at()).isGreaterThanOrEqualTo(storedAt - 1);
        }
        // The message that PostgreSQL refused has no row and no persisted event.
        assertThat(events(e -> e.messageId().equals("trace-long"))).isEmpty();
        // Key = message_id; never the content ("hello trace-m1") in the event.
        List<ConsumerRecord<String, byte[]>> records = TaskFixtures.readAll(brokers(), topics.trace(), true).stream()
                .filter(r -> r.key().startsWith("trace-m")).toList();
        assertThat(records).hasSize(5).allSatisfy(r -> {
            assertThat(WireJson.fromBytes(r.value(), TraceEvent.class).messageId()).isEqualTo(r.key());
            assertThat(new String(r.value(), StandardCharsets.UTF_8)).doesNotContain("hello");
        });
    }

    @Test
    void aPersistTaskDeliveredAgainIsTracedAgainAsAlreadyStored() {
        send(topics.task(), "again-conv", TaskFixtures.persist("again-m1", "again-conv", 1));
        awaitEvents(e -> e.messageId().equals("again-m1"), 1);
        // The same task again, in a later poll (a replay, an offset reset): the row is there, the worker says so.
        send(topics.task(), "again-conv", TaskFixtures.persist("again-m1", "again-conv", 1));
        List<TraceEvent> events = awaitEvents(e -> e.messageId().equals("again-m1"), 2);

        assertThat(events).hasSize(2).allMatch(e -> e.stage() == TraceStage.PERSISTED);
        assertThat(events.get(0).detail()).doesNotContainKey("already_stored");
        assertThat(events.get(1).detail()).containsEntry("already_stored", true).containsEntry("seq", 1);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM messages WHERE message_id = 'again-m1'", Integer.class))
                .isEqualTo(1);
    }

    // ---- pushed ------------------------------------------------------------------------------------------------

    @Test
    void pushBatchIsTracedOnce() {
        List<String> users = TaskFixtures.users("tp-", 500);
        send(topics.task(), "tp-0000", TaskFixtures.push(users, "trace-push-m1"));
        List<TraceEvent> events = awaitEvents(e -> e.messageId().equals("trace-push-m1"), 1);

        assertThat(events).hasSize(1);
        TraceEvent pushed = events.get(0);
        assertThat(pushed.stage()).isEqualTo(TraceStage.PUSHED);
        assertThat(pushed.fromUserId()).isEqualTo("alice");
        assertThat(pushed.detail()).containsEntry("users", 500).containsEntry("result", "sent")
                .containsEntry("sent", 500).containsEntry("failed", 0).containsEntry("rejected", 0)
                .containsEntry("batches", 1).containsEntry("provider", "webhook").doesNotContainKey("reason");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM push_notifications WHERE message_id = 'trace-push-m1' "
                + "AND status = 'SENT'", Integer.class)).isEqualTo(500);
        assertThat(CALLS.get("push:alice:trace-push-m1:tp-0000")).hasValue(1);
    }

    @Test
    void aPushTheProviderFailsIsTracedWithItsResultAndAgainWhenItIsSent() {
        send(topics.task(), "flaky-a", TaskFixtures.push(List.of("flaky-a", "flaky-b"), "trace-push-m2"));
        List<TraceEvent> events = awaitEvents(e -> e.messageId().equals("trace-push-m2"), 2);

        assertThat(events).hasSize(2).allMatch(e -> e.stage() == TraceStage.PUSHED);
        // Attempt 1: the webhook answered 503 for the batch; attempt 2 (the retry topic): sent.
        assertThat(events.get(0).detail()).containsEntry("users", 2).containsEntry("result", "failed")
                .containsEntry("failed", 2).containsEntry("reason", "webhook answered 503");
        assertThat(events.get(1).detail()).containsEntry("users", 2).containsEntry("result", "sent")
                .containsEntry("sent", 2);
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

    private static void send(String topic, String key, byte[] value) {
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
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
