package io.impipeline.simulator;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.simulator.DeliveryChecker.EitherWay;
import io.impipeline.testkit.KafkaTestClients;
import io.impipeline.testkit.TestBrokers;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The churn gateway's consumer reads while the gateway lives and stops when it dies; what the dispatcher wrote to its
 * topic afterwards is read at the end from where it stopped: every record counted once, none twice.
 */
class GatewayConsumersIntegrationTest {

    static EmbeddedKafkaKraftBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = TestBrokers.start(3);
    }

    @AfterAll
    static void stopBroker() {
        broker.destroy();
    }

    @Test
    void whatTheDeadGatewaysTopicGotAfterItsConsumerStoppedIsReadOnceAtTheEnd() throws Exception {
        String servers = broker.getBrokersAsString();
        SimulationSettings settings = SimulationSettings.builder(servers).gateways(1).users(2).churnUsers(4)
                .smallGroups(0).largeGroupSize(0).build();
        Population population = new Population(settings, "it");
        ImTopicsProperties topics = ImTopicsProperties.defaults();
        String topic = topics.downstreamTopic(population.churnGateway());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        DeliveryChecker checker = new DeliveryChecker();
        for (int i = 1; i <= 8; i++) {
            String user = population.churnUsers().get(i % 4);
            checker.expectAccepted("m" + i, "u-a", "c" + i, null, false);
            checker.expect("m" + i, user, new EitherWay(Set.of(), population.devicesAt(user)));
        }
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicBoolean down = new AtomicBoolean();
        BooleanSupplier isDown = down::get;
        ExecutorService threads = Executors.newCachedThreadPool();
        GatewayConsumers consumers = new GatewayConsumers(new KafkaClients(servers), topics, population, checker,
                running::get, isDown);
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(servers)) {
            consumers.start(threads);
            send(producer, topic, population, 1, 4);
            await(() -> checker.progress().records() == 4, "the live gateway reads the first four");

            down.set(true);
            Thread.sleep(1_000); // the consumer sees it and stops
            consumers.readDeadGatewayTopic();
            send(producer, topic, population, 5, 8);
            await(() -> {
                consumers.readDeadGatewayTopic();
                return checker.progress().records() == 8;
            }, "the other four are read from where the gateway stopped");
            consumers.readDeadGatewayTopic();
        } finally {
            running.set(false);
            threads.shutdown();
            threads.awaitTermination(10, TimeUnit.SECONDS);
            consumers.close();
        }
        DeliveryChecker.Summary summary = checker.summary();
        assertThat(summary.progress().records()).isEqualTo(8);
        assertThat(summary.recordsAfterDeath()).isEqualTo(4);
        assertThat(summary.latencySamples()).isEqualTo(4);
        assertThat(summary.failures()).filteredOn(f -> !f.contains("persist task")).isEmpty();
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, Population population, int from,
                             int to) throws Exception {
        for (int i = from; i <= to; i++) {
            String user = population.churnUsers().get(i % 4);
            DownstreamMessage m = new DownstreamMessage("m" + i, "u-a", user, "c" + i, "hi", "text", Map.of(),
                    System.currentTimeMillis(), "1.0", 1, null, List.of(user + "-d1"), null);
            producer.send(new ProducerRecord<>(topic, user, WireJson.toBytes(m))).get();
        }
    }

    private static void await(BooleanSupplier done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
