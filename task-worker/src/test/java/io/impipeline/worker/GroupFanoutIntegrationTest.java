package io.impipeline.worker;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.model.wire.RecipientPartitions;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.platform.tracing.StreamTracing;
import io.impipeline.testkit.KafkaTestClients;
import io.impipeline.testkit.TestPostgres;
import io.impipeline.worker.fanout.FanoutHeaders;
import io.impipeline.worker.fanout.FanoutPageListener;
import io.impipeline.worker.fanout.FanoutProgress;
import io.impipeline.worker.fanout.GroupMembersStore;
import io.impipeline.worker.settings.WorkerTopics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * group_fanout (contract v2) against an embedded broker and a real PostgreSQL: group batches per (page, partition),
 * one page per Kafka transaction with a continuation task, exactly once across a crash and across redeliveries
 * after commit, never holding other tasks, ending in the DLQ when it keeps failing; and the group projection, which
 * never blocks on a record it cannot apply.
 */
class GroupFanoutIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    /** im-routed-topic's partitions (the spec's default): group batches are computed for them. */
    private static final int ROUTED_PARTITIONS = 10;
    /** What the shared worker's page listener does; null: nothing. */
    private static final AtomicReference<FanoutPageListener> HOOK = new AtomicReference<>();

    private static EmbeddedKafkaKraftBroker broker;
    private static String databaseUrl;
    private static ConfigurableApplicationContext worker;
    private static WorkerTopics topics;
    private static GroupMembersStore groups;
    private static FanoutProgress progress;

    @BeforeAll
    static void start() {
        broker = io.impipeline.testkit.TestBrokers.start(1);
        databaseUrl = TestPostgres.shared().newDatabase("worker_fanout");
        // The database is shared with the dlq-handler, which may have migrated first: the worker's own
        // migrations must still run in a schema that is not empty.
        new JdbcTemplate(new SimpleDriverDataSource(new org.postgresql.Driver(), databaseUrl,
                TestPostgres.shared().user(), "postgres"))
                .execute("CREATE TABLE other_app_table (id BIGINT PRIMARY KEY)");
        worker = worker(new FanoutPageListener() {
            @Override
            public void beforePage(String groupId, String messageId, int page) {
                FanoutPageListener hook = HOOK.get();
                if (hook != null) {
                    hook.beforePage(groupId, messageId, page);
                }
            }

            @Override
            public void afterPage(String groupId, String messageId, int page, long recordsSoFar) {
                FanoutPageListener hook = HOOK.get();
                if (hook != null) {
                    hook.afterPage(groupId, messageId, page, recordsSoFar);
                }
            }
        }, null);
        topics = worker.getBean(WorkerTopics.class);
        groups = worker.getBean(GroupMembersStore.class);
        progress = worker.getBean(FanoutProgress.class);
    }

    @AfterAll
    static void stop() {
        if (worker != null) {
            worker.close();
        }
        broker.destroy();
    }

    // ---- fan-out -----------------------------------------------------------------------------------------------

    @Test
    void aThousandMemberFanOutWritesAtMostPartitionsTimesPagesBatchesWhoseRecipientsAreTheMembersButTheSender() {
        List<String> members = TaskFixtures.users("member-", 1000);
        String sender = members.get(0);
        createGroup(topics, "big-group", members);
        send(topics.task(), null, "big-group", TaskFixtures.fanout("big-group", "fan-m1", sender, 100));
        awaitDone("big-group", sender, "fan-m1");

        List<ConsumerRecord<String, byte[]>> routed = routed(topics.routed(), "fan-m1", true);
        // 10 pages of 100 members, at most one batch per partition each.
        assertThat(routed).isNotEmpty().hasSizeLessThanOrEqualTo(ROUTED_PARTITIONS * 10);
        for (ConsumerRecord<String, byte[]> record : routed) {
            RoutedMessage message = WireJson.fromBytes(record.value(), RoutedMessage.class);
            assertThat(message.isBatch()).isTrue();
            assertThat(record.key()).isEqualTo("conv_big-group");
            assertThat(message.recipientIds()).allMatch(u ->
                    RecipientPartitions.partitionOf(u, ROUTED_PARTITIONS) == record.partition());
        }
        assertRecipientsOnce(routed, members.subList(1, members.size()));
        assertThat(progress.find(key("big-group", sender, "fan-m1")).routedRecords()).isEqualTo(routed.size());
    }

    @Test
    void aFanOutDeliveredAgainAfterItFinishedWritesNothing() {
        List<String> members = TaskFixtures.users("redo-", 30);
        String sender = members.get(0);
        createGroup(topics, "redo-group", members);
        byte[] task = TaskFixtures.fanout("redo-group", "redo-m1", sender, 10);
        send(topics.task(), null, "redo-group", task);
        awaitDone("redo-group", sender, "redo-m1");
        int written = routed(topics.routed(), "redo-m1", true).size();
        // The continuation that wrote page 2, as it is on the task topic (a replay or an offset reset).
        ConsumerRecord<String, byte[]> pageTwo = TaskFixtures.readAll(broker.getBrokersAsString(), topics.task(), true)
                .stream().filter(r -> new String(r.value(), StandardCharsets.UTF_8).contains("redo-m1"))
                .filter(r -> FanoutHeaders.position(r.headers()).page() == 2).findFirst().orElseThrow();

        double before = counter("group_fanout", "duplicate");
        send(topics.task(), null, "redo-group", task);
        ProducerRecord<String, byte[]> again = new ProducerRecord<>(topics.task(), null, pageTwo.key(),
                pageTwo.value(), pageTwo.headers());
        sendRecord(again);
        await().atMost(WAIT).until(() -> counter("group_fanout", "duplicate") - before >= 2);

        assertThat(routed(topics.routed(), "redo-m1", true)).hasSize(written);
        assertRecipientsOnce(routed(topics.routed(), "redo-m1", true), members.subList(1, members.size()));
    }

    @Test
    void aWorkerDyingMidFanOutIsReplacedAndTheFanOutResumesWithoutDuplicates() throws InterruptedException {
        List<String> members = TaskFixtures.users("crash-", 1000);
        String sender = members.get(0);
        CountDownLatch crashed = new CountDownLatch(1);
        // The first worker dies after the third page of 100 has gone to the producer, every time it gets there.
        FanoutPageListener dieAfterThirdPage = (group, message, page, sent) -> {
            if (page == 3) {
                crashed.countDown();
                throw new IllegalStateException("simulated crash after page 3 (" + sent + " records sent)");
            }
        };
        // Its own topics (prefix) and instance: the shared worker keeps running beside it.
        String routedTopic;
        try (ConfigurableApplicationContext first = worker(dieAfterThirdPage, "crash.")) {
            WorkerTopics crashTopics = first.getBean(WorkerTopics.class);
            routedTopic = crashTopics.routed();
            createGroup(crashTopics, "crash-group", members);
            send(crashTopics.task(), null, "crash-group", TaskFixtures.fanout("crash-group", "crash-m1", sender, 100));
            assertThat(crashed.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        }
        // Pages 1 and 2 committed (99 + 100 members); page 3, sent again and again, only in aborted transactions.
        assertThat(recipients(routed(routedTopic, "crash-m1", true))).hasSize(199);

        try (ConfigurableApplicationContext second = worker(null, "crash.")) {
            awaitDone("crash-group", sender, "crash-m1");
        }
        assertRecipientsOnce(routed(routedTopic, "crash-m1", true), members.subList(1, members.size()));
    }

    @Test
    void aFanOutOfManyPagesDoesNotHoldATaskQueuedBehindItOnItsPartition() {
        List<String> members = TaskFixtures.users("long-", 2000);
        String sender = members.get(0);
        createGroup(topics, "long-group", members);
        // 400 pages of 5, each its own poll and transaction; the persist task comes after the fan-out has started.
        send(topics.task(), 0, "long-group", TaskFixtures.fanout("long-group", "long-m1", sender, 5));
        FanoutProgress.Key key = key("long-group", sender, "long-m1");
        await().atMost(WAIT).until(() -> progress.find(key) != null && progress.find(key).pagesDone() >= 2);
        send(topics.task(), 0, "other-conv", TaskFixtures.persist("other-conv-m1", "other-conv", 1));

        await().atMost(WAIT).until(() -> stored("other-conv-m1"));
        FanoutProgress.Row row = progress.find(key);
        assertThat(row.done()).as("the fan-out is still running when the task behind it is done").isFalse();
        assertThat(row.pagesDone()).isLessThan(300);

        awaitDone("long-group", sender, "long-m1");
        assertRecipientsOnce(routed(topics.routed(), "long-m1", true), members.subList(1, members.size()));
    }

    @Test
    void aFanOutThatKeepsFailingEndsInTheDlqAndItsReplayResumesWhereItStopped() {
        List<String> members = TaskFixtures.users("fail-", 50);
        String sender = members.get(0);
        createGroup(topics, "fail-group", members);
        HOOK.set(new FanoutPageListener() {
            @Override
            public void beforePage(String groupId, String messageId, int page) {
                if (messageId.equals("fail-m1") && page == 3) {
                    throw new IllegalStateException("page 3 cannot be read (simulated)");
                }
            }

            @Override
            public void afterPage(String groupId, String messageId, int page, long recordsSoFar) {
            }
        });
        try {
            send(topics.task(), null, "fail-group", TaskFixtures.fanout("fail-group", "fail-m1", sender, 10));
            List<ConsumerRecord<String, byte[]>> dead = KafkaTestClients.readUntil(broker.getBrokersAsString(),
                    List.of(topics.taskDlq()), r -> r.stream().anyMatch(GroupFanoutIntegrationTest::isFailM1), WAIT);
            ConsumerRecord<String, byte[]> letter = dead.stream().filter(GroupFanoutIntegrationTest::isFailM1)
                    .findFirst().orElseThrow();
            assertThat(DeadLetterHeaders.text(letter.headers(), ImHeaders.DLT_REASON))
                    .isEqualTo(ReasonCode.RETRIES_EXHAUSTED.name());
            assertThat(DeadLetterHeaders.text(letter.headers(), KafkaHeaders.DLT_ORIGINAL_TOPIC))
                    .isEqualTo(topics.task());
            assertThat(DeadLetterHeaders.text(letter.headers(), KafkaHeaders.DLT_EXCEPTION_MESSAGE))
                    .contains("3 attempts", "page 3 cannot be read");
            assertThat(FanoutHeaders.position(letter.headers()).page()).isEqualTo(3);
            // Pages 1 and 2 are out, once; nothing is retried forever.
            assertThat(recipients(routed(topics.routed(), "fail-m1", true))).hasSize(19);

            // Fixed: the dead letter is replayed as the dlq-handler does (its headers but the dead-letter ones).
            HOOK.set(null);
            RecordHeaders headers = new RecordHeaders();
            for (Header h : letter.headers()) {
                if (!h.key().startsWith("kafka_dlt-") && !h.key().startsWith("im_dlt-")) {
                    headers.add(h);
                }
            }
            sendRecord(new ProducerRecord<>(topics.task(), null, letter.key(), letter.value(), headers));
            awaitDone("fail-group", sender, "fail-m1");
            assertRecipientsOnce(routed(topics.routed(), "fail-m1", true), members.subList(1, members.size()));
        } finally {
            HOOK.set(null);
        }
    }

    private static boolean isFailM1(ConsumerRecord<String, byte[]> r) {
        return new String(r.value(), StandardCharsets.UTF_8).contains("fail-m1");
    }

    @Test
    void everyRoutedRecordOfAFanOutCarriesTheTraceOfItsTask() {
        String traceId = "0af7651916cd43dd8448eb211c80319c";
        createGroup(topics, "traced-group", TaskFixtures.users("traced-", 40));
        ProducerRecord<String, byte[]> task = new ProducerRecord<>(topics.task(), "traced-group",
                TaskFixtures.fanout("traced-group", "traced-m1", "traced-0000", 10));
        task.headers().add("traceparent", ("00-" + traceId + "-b7ad6b7169203331-01").getBytes());
        sendRecord(task);
        awaitDone("traced-group", "traced-0000", "traced-m1");
        List<ConsumerRecord<String, byte[]>> routed = routed(topics.routed(), "traced-m1", true);
        assertThat(recipients(routed)).hasSize(39);
        assertThat(routed).allMatch(r -> traceId.equals(StreamTracing.traceId(r.headers())));
    }

    // ---- the group projection ----------------------------------------------------------------------------------

    @Test
    void aTombstoneDeletesTheGroupFromTheProjection() {
        send(topics.group(), null, "small-group", TaskFixtures.group("small-group", List.of("a", "b", "c"), 1));
        await().atMost(WAIT).until(() -> groups.count("small-group") == 3);
        // A newer version replaces the members; a stale one is ignored.
        send(topics.group(), null, "small-group", TaskFixtures.group("small-group", List.of("a", "d"), 3));
        send(topics.group(), null, "small-group", TaskFixtures.group("small-group", List.of("x", "y", "z", "w"), 2));
        await().atMost(WAIT).until(() -> groups.page("small-group", "", 10).equals(List.of("a", "d")));
        send(topics.group(), null, "small-group", null);
        await().atMost(WAIT).until(() -> !groups.exists("small-group") && groups.count("small-group") == 0);
    }

    @Test
    void groupRecordsThatCannotBeAppliedAreDeadLetteredAndTheNextGroupChangesAreApplied() {
        // Refused by the validator (NUL), and refused by PostgreSQL (an id longer than the column: 200 pass here).
        send(topics.group(), null, "nul-group", TaskFixtures.group("nul-group", List.of("n-a", "n-\u0000b"), 1));
        send(topics.group(), null, "long-id-group", TaskFixtures.group("long-id-group",
                List.of("l-a", "l".repeat(150)), 1));
        send(topics.group(), null, "nul-group", TaskFixtures.group("nul-group", List.of("n-a", "n-c"), 2));
        send(topics.group(), null, "long-id-group", TaskFixtures.group("long-id-group", List.of("l-a", "l-b"), 2));

        List<ConsumerRecord<String, byte[]>> dead = KafkaTestClients.readUntil(broker.getBrokersAsString(),
                List.of(topics.groupDlq()), r -> r.stream().map(ConsumerRecord::key).toList()
                        .containsAll(List.of("nul-group", "long-id-group")), WAIT);
        for (String group : List.of("nul-group", "long-id-group")) {
            List<ConsumerRecord<String, byte[]>> letters = dead.stream().filter(x -> group.equals(x.key())).toList();
            assertThat(letters).as(group).hasSize(1);
            ConsumerRecord<String, byte[]> letter = letters.get(0);
            assertThat(DeadLetterHeaders.text(letter.headers(), ImHeaders.DLT_REASON))
                    .isEqualTo(ReasonCode.INVALID_FIELD.name());
            assertThat(DeadLetterHeaders.text(letter.headers(), ImHeaders.DLT_STAGE)).isEqualTo("task-worker");
            assertThat(DeadLetterHeaders.text(letter.headers(), KafkaHeaders.DLT_ORIGINAL_TOPIC))
                    .isEqualTo(topics.group());
        }
        assertThat(DeadLetterHeaders.text(dead.stream().filter(x -> "long-id-group".equals(x.key())).findFirst()
                .orElseThrow().headers(), KafkaHeaders.DLT_EXCEPTION_MESSAGE))
                .contains("PostgreSQL refused the group record (SQLSTATE 22001)");
        await().atMost(WAIT).until(() -> groups.page("nul-group", "", 10).equals(List.of("n-a", "n-c"))
                && groups.page("long-id-group", "", 10).equals(List.of("l-a", "l-b")));
    }

    /**
     * Issue 12: the router's group table keeps a record under its key; a record keyed with another id must not be
     * applied under its group_id here, or the two views of the groups disagree (the router: unknown; the worker: fan
     * out). It is dead-lettered, and the group named by the key is left as it was.
     */
    @Test
    void aGroupRecordWhoseKeyIsNotItsGroupIdIsDeadLetteredAndChangesNothing() {
        createGroup(topics, "keyed-victim", List.of("v-a", "v-b"));
        send(topics.group(), null, "keyed-victim", TaskFixtures.group("keyed-intruder", List.of("i-a"), 5));

        List<ConsumerRecord<String, byte[]>> dead = KafkaTestClients.readUntil(broker.getBrokersAsString(),
                List.of(topics.groupDlq()), r -> r.stream().anyMatch(x -> "keyed-victim".equals(x.key())), WAIT);
        ConsumerRecord<String, byte[]> letter = dead.stream().filter(x -> "keyed-victim".equals(x.key()))
                .findFirst().orElseThrow();
        assertThat(DeadLetterHeaders.text(letter.headers(), ImHeaders.DLT_REASON))
                .isEqualTo(ReasonCode.INVALID_FIELD.name());
        assertThat(DeadLetterHeaders.text(letter.headers(), KafkaHeaders.DLT_EXCEPTION_MESSAGE))
                .contains("the record key must be the group_id");
        assertThat(groups.exists("keyed-intruder")).isFalse();
        assertThat(groups.page("keyed-victim", "", 10)).containsExactly("v-a", "v-b");
    }

    /**
     * Issue 12, found by the hostile corpus: a group record over the limit whose dead letter is larger than the
     * producer may write used to fail the dead-letter send and block the projection's partition for ever. The dead
     * letter is cut to fit, and the next change on the same partition is applied.
     */
    @Test
    void anOversizeGroupRecordIsDeadLetteredCutToFitAndTheProjectionGoesOn() {
        byte[] huge = new byte[3 * 1024 * 1024];
        java.util.Arrays.fill(huge, (byte) 'x');
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.compressingProducer(
                broker.getBrokersAsString(), 4 * 1024 * 1024)) {
            producer.send(new ProducerRecord<>(topics.group(), 0, "huge-group", huge)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        send(topics.group(), 0, "after-huge", TaskFixtures.group("after-huge", List.of("h-a"), 1));

        List<ConsumerRecord<String, byte[]>> dead = KafkaTestClients.readUntil(broker.getBrokersAsString(),
                List.of(topics.groupDlq()), r -> r.stream().anyMatch(x -> "huge-group".equals(x.key())), WAIT);
        ConsumerRecord<String, byte[]> letter = dead.stream().filter(x -> "huge-group".equals(x.key()))
                .findFirst().orElseThrow();
        assertThat(DeadLetterHeaders.text(letter.headers(), ImHeaders.DLT_REASON))
                .isEqualTo(ReasonCode.TOO_LARGE.name());
        assertThat(DeadLetterHeaders.text(letter.headers(), KafkaHeaders.DLT_EXCEPTION_MESSAGE))
                .contains("dead letter cut to fit");
        assertThat(letter.value().length).isLessThan(huge.length);
        await().atMost(WAIT).until(() -> groups.page("after-huge", "", 10).equals(List.of("h-a")));
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static FanoutProgress.Key key(String group, String sender, String messageId) {
        return new FanoutProgress.Key(group, sender, messageId);
    }

    private static void awaitDone(String group, String sender, String messageId) {
        FanoutProgress.Key key = key(group, sender, messageId);
        await().atMost(WAIT).until(() -> {
            FanoutProgress.Row row = progress.find(key);
            return row != null && row.done();
        });
    }

    private static void createGroup(WorkerTopics on, String groupId, List<String> members) {
        send(on.group(), null, groupId, TaskFixtures.group(groupId, members, 1));
        await().atMost(WAIT).until(() -> groups.count(groupId) == members.size());
    }

    private static void send(String topic, Integer partition, String key, byte[] value) {
        sendRecord(new ProducerRecord<>(topic, partition, key, value));
    }

    private static void sendRecord(ProducerRecord<String, byte[]> record) {
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(broker.getBrokersAsString())) {
            producer.send(record).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The routed records of one message on a routed topic (committed only, or everything in the log). */
    private static List<ConsumerRecord<String, byte[]>> routed(String topic, String messageId, boolean committed) {
        String marker = "\"message_id\":\"" + messageId + "\"";
        return TaskFixtures.readAll(broker.getBrokersAsString(), topic, committed).stream()
                .filter(r -> new String(r.value(), StandardCharsets.UTF_8).contains(marker)).toList();
    }

    private static List<String> recipients(List<ConsumerRecord<String, byte[]>> routed) {
        List<String> all = new ArrayList<>();
        routed.forEach(r -> all.addAll(WireJson.fromBytes(r.value(), RoutedMessage.class).recipientIds()));
        return all;
    }

    /** Every expected recipient exactly once, nobody else. */
    private static void assertRecipientsOnce(List<ConsumerRecord<String, byte[]>> routed, List<String> expected) {
        List<String> all = recipients(routed);
        assertThat(new HashSet<>(all)).as("recipients").isEqualTo(Set.copyOf(expected));
        assertThat(all).as("recipients, each once").hasSize(expected.size());
    }

    private static boolean stored(String messageId) {
        return worker.getBean(JdbcTemplate.class).queryForObject(
                "SELECT count(*) FROM messages WHERE message_id = ?", Integer.class, messageId) > 0;
    }

    private static double counter(String type, String outcome) {
        Counter c = worker.getBean(MeterRegistry.class).find("im.worker.tasks").tag("type", type)
                .tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    /**
     * A worker on the shared broker and database. With a topic prefix, it has its own topics, consumer groups and
     * instance id (transactional ids), so it runs beside the shared worker without touching its work.
     */
    private static ConfigurableApplicationContext worker(FanoutPageListener pageListener, String prefix) {
        SpringApplicationBuilder builder = new SpringApplicationBuilder(TaskWorkerApplication.class);
        if (pageListener != null) {
            builder.initializers(context -> context.getBeanFactory().registerSingleton("testPageListener",
                    pageListener));
        }
        List<String> args = new ArrayList<>(List.of(
                "--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                "--spring.datasource.url=" + databaseUrl,
                "--spring.datasource.username=" + TestPostgres.shared().user(),
                "--spring.datasource.password=postgres",
                "--server.port=0",
                "--im.topics.replication-factor=1",
                "--im.worker.outage.max-interval=1s",
                "--im.worker.retry.initial-interval=200ms",
                "--im.worker.retry.max-interval=1s",
                // Ids longer than the database's columns (128) pass the validator: records PostgreSQL refuses.
                "--im.validation.max-id-length=200"));
        if (prefix != null) {
            args.addAll(List.of(
                    "--im.topics.prefix=" + prefix,
                    "--im.instance-id=" + prefix + "worker",
                    "--im.worker.task-group=" + prefix + "task-group",
                    "--im.worker.retry-group=" + prefix + "retry-group",
                    "--im.worker.projection-group=" + prefix + "projection-group"));
        }
        // Command-line arguments: they override application.yml (builder properties would not).
        return builder.run(args.toArray(String[]::new));
    }
}
