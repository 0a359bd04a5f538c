package io.impipeline.worker;

import java.time.Duration;

import io.impipeline.testkit.KafkaTestClients;
import io.impipeline.testkit.TestPostgres;
import io.impipeline.worker.settings.WorkerTopics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** PostgreSQL stops in the middle of a stream of persist tasks and comes back: nothing lost, nothing twice. */
@SpringBootTest(properties = {
        "spring.kafka.bootstrap-servers=${spring.embedded.kafka.brokers}",
        "im.topics.replication-factor=1",
        "im.worker.outage.max-interval=1s",
        "spring.datasource.hikari.connection-timeout=1000"})
@EmbeddedKafka(partitions = 1, brokerProperties = {
        "transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1"})
@DirtiesContext
class DatabaseOutageIntegrationTest {

    private static final int PER_PHASE = 1000;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestPostgres.register(registry, "worker_outage");
    }

    @Value("${spring.embedded.kafka.brokers}")
    String brokers;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    WorkerTopics topics;

    @Test
    void tasksArrivingWhilePostgresIsDownAreStoredOnceItIsBackAndNoneTwice() throws InterruptedException {
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers)) {
            send(producer, 0);
            await().atMost(Duration.ofSeconds(60)).until(() -> stored() > 0);

            TestPostgres.shared().stop();
            try {
                send(producer, 1);
                send(producer, 2);
                // The worker keeps failing and backing off meanwhile; nothing may be committed past the outage.
                Thread.sleep(4000);
            } finally {
                TestPostgres.shared().start();
            }
            send(producer, 3);
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> stored() == 4 * PER_PHASE);
        assertThat(jdbc.queryForObject("SELECT count(DISTINCT message_id) FROM messages", Integer.class))
                .isEqualTo(4 * PER_PHASE);
        assertThat(jdbc.queryForList("SELECT conversation_id FROM messages GROUP BY conversation_id "
                + "HAVING count(*) <> " + PER_PHASE + " OR max(seq) <> " + PER_PHASE, String.class)).isEmpty();
    }

    private void send(KafkaProducer<String, byte[]> producer, int phase) {
        String conversation = "outage-" + phase;
        for (int seq = 1; seq <= PER_PHASE; seq++) {
            producer.send(new ProducerRecord<>(topics.task(), conversation,
                    TaskFixtures.persist(conversation + "-m" + seq, conversation, seq)));
        }
        producer.flush();
    }

    private int stored() {
        try {
            Integer n = jdbc.queryForObject("SELECT count(*) FROM messages", Integer.class);
            return n == null ? 0 : n;
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
