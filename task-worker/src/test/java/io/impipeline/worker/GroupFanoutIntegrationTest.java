package io.impipeline.worker;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.impipeline.model.codec.WireJson;
import io.impipeline.platform.tracing.StreamTracing;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.testkit.KafkaTestClients;
import io.impipeline.testkit.TestPostgres;
import io.impipeline.worker.config.WorkerTopics;
import io.impipeline.worker.fanout.FanoutPageListener;
import io.impipeline.worker.fanout.GroupMembersStore;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * group_fanout over a 1,000-member group, with a worker that dies half-way through the fan-out and a new one that
 * takes over: exactly one committed routed record per member but the sender.
 */
class GroupFanoutIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static EmbeddedKafkaKraftBroker broker;
    private static String databaseUrl;

    @BeforeAll
    static void start() {
        broker = io.impipeline.testkit.TestBrokers.start(1);
        databaseUrl = TestPostgres.shared().newDatabase("worker_fanout");
        // The database is shared with the dlq-handler, which may have migrated first: the worker's own
        // migrations must still run in a schema that is not empty.
        new JdbcTemplate(new SimpleDriverDataSource(new org.postgresql.Driver(), databaseUrl,
                TestPostgres.shared().user(), "postgres"))
                .execute("CREATE TABLE other_app_table (id BIGINT PRIMARY KEY)");
    }

    @AfterAll
    static void stop() {
        broker.destroy();
    }

    @Test
    void aThousandMemberFanOutYieldsOneRoutedRecordPerMemberButTheSenderAlsoWhenTheWorkerDiesHalfWay()
            throws InterruptedException {
        List<String> members = TaskFixtures.users("member-", 1000);
        String sender = members.get(0);
        CountDownLatch crashed = new CountDownLatch(1);
        // The first worker dies after the third page of 100 has gone to the producer.
        FanoutPageListener dieAfterThirdPage = (group, message, page, sent) -> {
            if (page == 3) {
                crashed.countDown();
                throw new IllegalStateException("simulated crash after page 3 (" + sent + " records sent)");
            }
        };
        String routedTopic;
        try (ConfigurableApplicationContext first = worker(dieAfterThirdPage)) {
            WorkerTopics topics = first.getBean(WorkerTopics.class);
            routedTopic = topics.routed();
            try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(broker.getBrokersAsString())) {
                producer.send(new ProducerRecord<>(topics.group(), "big-group",
                        TaskFixtures.group("big-group", members, 1)));
                producer.flush();
                GroupMembersStore store = first.getBean(GroupMembersStore.class);
                await().atMost(WAIT).until(() -> store.count("big-group") == 1000);
                producer.send(new ProducerRecord<>(topics.task(), "big-group",
                        TaskFixtures.fanout("big-group", "fan-m1", sender, 100)));
            }
            assertThat(crashed.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        }
        // What the dead worker sent is in the log, but in an aborted transaction.
        assertThat(TaskFixtures.readAll(broker.getBrokersAsString(), routedTopic, false)).isNotEmpty();
        assertThat(TaskFixtures.readAll(broker.getBrokersAsString(), routedTopic, true)).isEmpty();

        try (ConfigurableApplicationContext second = worker(null)) {
            await().atMost(WAIT).until(() ->
                    TaskFixtures.readAll(broker.getBrokersAsString(), routedTopic, true).size() >= 999);
            List<ConsumerRecord<String, byte[]>> routed =
                    TaskFixtures.readAll(broker.getBrokersAsString(), routedTopic, true);
            assertThat(routed).hasSize(999);
            Set<String> recipients = routed.stream()
                    .map(r -> WireJson.fromBytes(r.value(), RoutedMessage.class))
                    .peek(m -> assertThat(m.message().messageId()).isEqualTo("fan-m1"))
                    .map(RoutedMessage::recipientId)
                    .collect(Collectors.toSet());
            assertThat(recipients).hasSize(999).doesNotContain(sender)
                    .containsAll(members.subList(1, members.size()));
            assertThat(routed).allMatch(r -> r.key().equals(WireJson.fromBytes(r.value(), RoutedMessage.class)
                    .recipientId()));
        }
    }

    @Test
    void everyRoutedRecordOfAFanOutCarriesTheTraceOfItsTask() {
        String traceId = "0af7651916cd43dd8448eb211c80319c";
        try (ConfigurableApplicationContext worker = worker(null);
             KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(broker.getBrokersAsString())) {
            WorkerTopics topics = worker.getBean(WorkerTopics.class);
            GroupMembersStore store = worker.getBean(GroupMembersStore.class);
            producer.send(new ProducerRecord<>(topics.group(), "traced-group",
                    TaskFixtures.group("traced-group", List.of("t-a", "t-b", "t-c"), 1)));
            producer.flush();
            await().atMost(WAIT).until(() -> store.count("traced-group") == 3);
            ProducerRecord<String, byte[]> task = new ProducerRecord<>(topics.task(), "traced-group",
                    TaskFixtures.fanout("traced-group", "traced-m1", "t-a", 100));
            task.headers().add("traceparent", ("00-" + traceId + "-b7ad6b7169203331-01").getBytes());
            producer.send(task);
            producer.flush();
            await().atMost(WAIT).until(() -> traced(topics.routed()).size() == 2);
            assertThat(traced(topics.routed())).allMatch(r -> traceId.equals(StreamTracing.traceId(r.headers())));
        }
    }

    private static List<ConsumerRecord<String, byte[]>> traced(String topic) {
        return TaskFixtures.readAll(broker.getBrokersAsString(), topic, true).stream()
                .filter(r -> new String(r.value()).contains("traced-m1")).toList();
    }

    @Test
    void aTombstoneDeletesTheGroupFromTheProjection() {
        try (ConfigurableApplicationContext worker = worker(null);
             KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(broker.getBrokersAsString())) {
            WorkerTopics topics = worker.getBean(WorkerTopics.class);
            GroupMembersStore store = worker.getBean(GroupMembersStore.class);
            producer.send(new ProducerRecord<>(topics.group(), "small-group",
                    TaskFixtures.group("small-group", List.of("a", "b", "c"), 1)));
            producer.flush();
            await().atMost(WAIT).until(() -> store.count("small-group") == 3);
            // A newer version replaces the members; a stale one is ignored.
            producer.send(new ProducerRecord<>(topics.group(), "small-group",
                    TaskFixtures.group("small-group", List.of("a", "d"), 3)));
            producer.send(new ProducerRecord<>(topics.group(), "small-group",
                    TaskFixtures.group("small-group", List.of("x", "y", "z", "w"), 2)));
            producer.flush();
            await().atMost(WAIT).until(() -> store.page("small-group", "", 10).equals(List.of("a", "d")));
            producer.send(new ProducerRecord<>(topics.group(), "small-group", null));
            producer.flush();
            await().atMost(WAIT).until(() -> !store.exists("small-group") && store.count("small-group") == 0);
        }
    }

    private static ConfigurableApplicationContext worker(FanoutPageListener pageListener) {
        SpringApplicationBuilder builder = new SpringApplicationBuilder(TaskWorkerApplication.class);
        if (pageListener != null) {
            builder.initializers(context -> context.getBeanFactory().registerSingleton("testPageListener",
                    pageListener));
        }
        // Command-line arguments: they override application.yml (builder properties would not).
        return builder.run(
                "--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                "--spring.datasource.url=" + databaseUrl,
                "--spring.datasource.username=" + TestPostgres.shared().user(),
                "--spring.datasource.password=postgres",
                "--server.port=0",
                "--im.topics.replication-factor=1",
                "--im.worker.outage.max-interval=1s",
                // A dead worker's partitions move quickly to the new one.
                "--spring.kafka.consumer.properties.session.timeout.ms=6000");
    }
}
