package io.impipeline.router;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.Tasks;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.model.trace.RoutedHeader;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.trace.TraceStage;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.Task;
import io.impipeline.router.topology.RouterTopology;
import io.impipeline.testkit.KafkaTestClients;
import io.impipeline.testkit.Messages;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.stream.binder.kafka.streams.InteractiveQueryService;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Two router instances on one embedded broker (own state directories and {@code application.server} ports):
 * 10,000 messages over 200 conversations from 1,000 users, with duplicates, bad records and records keyed by
 * something other than the sender mixed in.
 */
class TwoRoutersIntegrationTest {

    private static final String TOKEN = "two-routers-token";
    private static final int MESSAGES = 10_000;
    private static final int CONVERSATIONS = 200;
    private static final int USERS = 1_000;
    private static final int PARTITIONS = 4;

    private static EmbeddedKafkaKraftBroker broker;
    private static ConfigurableApplicationContext first;
    private static ConfigurableApplicationContext second;
    private static int firstPort;

    @BeforeAll
    static void startBrokerAndTwoRouters() throws IOException {
        // One broker: the transaction log (exactly_once_v2) must fit on it.
        broker = io.impipeline.testkit.TestBrokers.start(PARTITIONS);
        firstPort = freePort();
        first = startRouter("a", firstPort, PARTITIONS);
        second = startRouter("b", freePort(), PARTITIONS);
        for (ConfigurableApplicationContext router : List.of(first, second)) {
            RestClient http = client(port(router));
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                String body = http.get().uri("/actuator/health/readiness")
                        .exchange((req, res) -> res.getStatusCode().value() + " " + new String(res.getBody()
                                .readAllBytes(), StandardCharsets.UTF_8));
                return body.startsWith("200");
            });
        }
    }

    @AfterAll
    static void stop() {
        for (ConfigurableApplicationContext router : new ConfigurableApplicationContext[]{second, first}) {
            if (router != null) {
                router.close();
            }
        }
        if (broker != null) {
            broker.destroy();
        }
    }

    private static ConfigurableApplicationContext startRouter(String name, int port, int routedPartitions)
            throws IOException {
        return startRouter(name, port, PARTITIONS, routedPartitions);
    }

    private static ConfigurableApplicationContext startRouter(String name, int port, int upstreamPartitions,
                                                              int routedPartitions) throws IOException {
        Path stateDir = Files.createTempDirectory("router-" + name);
        return new SpringApplicationBuilder(UpstreamRouterApplication.class).run(
                "--server.port=" + port,
                "--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                "--im.topics.replication-factor=1",
                "--im.topics.specs.upstream.partitions=" + upstreamPartitions,
                "--im.topics.specs.routed.partitions=" + routedPartitions,
                "--im.streams.state-dir=" + stateDir,
                "--im.instance-id=" + name,
                "--im.security.service-token=" + TOKEN);
    }

    private static int port(ConfigurableApplicationContext router) {
        return Integer.parseInt(router.getEnvironment().getProperty("server.port"));
    }

    private static RestClient client(int port) {
        return RestClient.builder().baseUrl("http://localhost:" + port).defaultHeader("X-Service-Token", TOKEN)
                .build();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void everyAcceptedMessageIsRoutedOncePerRecipientWithGapFreeSeqAndQueriesWorkAcrossInstances() {
        int duplicates = 0;
        int bad = 0;
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(broker.getBrokersAsString())) {
            for (int i = 0; i < MESSAGES; i++) {
                String sender = "user_" + (i % USERS);
                var message = Messages.text("m" + i, sender, "user_" + ((i + 1) % USERS),
                        "conv_" + (i % CONVERSATIONS), System.currentTimeMillis());
                // Some gateways key by something else (or nothing): the router re-keys by sender.
                String key = i % 97 == 0 ? null : sender;
                producer.send(new ProducerRecord<>("im-upstream-topic", key, Messages.bytes(message)));
                if (i % 50 == 0) {
                    producer.send(new ProducerRecord<>("im-upstream-topic", sender, Messages.bytes(message)));
                    duplicates++;
                }
                if (i % 100 == 0) {
                    producer.send(new ProducerRecord<>("im-upstream-topic", sender,
                            "{\"message_id\":".getBytes(StandardCharsets.UTF_8)));
                    bad++;
                }
            }
        }
        String brokers = broker.getBrokersAsString();

        List<ConsumerRecord<String, byte[]>> routed = KafkaTestClients.readAtLeast(brokers, "im-routed-topic",
                2 * MESSAGES, Duration.ofSeconds(90));
        Set<String> copies = new HashSet<>();
        for (ConsumerRecord<String, byte[]> record : routed) {
            RoutedMessage m = WireJson.fromBytes(record.value(), RoutedMessage.class);
            assertThat(m.isBatch()).as("single chat: one recipient per record").isFalse();
            assertThat(copies.add(m.message().messageId() + "->" + m.recipientId()))
                    .as("copy of %s to %s delivered once", m.message().messageId(), m.recipientId()).isTrue();
            assertThat(record.key()).isEqualTo(m.recipientId());
        }
        assertThat(copies).hasSize(2 * MESSAGES); // recipient + the sender's sync copy, each once

        List<ConsumerRecord<String, byte[]>> tasks = KafkaTestClients.readAtLeast(brokers, "im-task-topic",
                MESSAGES, Duration.ofSeconds(30));
        Map<String, TreeSet<Long>> seqs = new HashMap<>();
        for (ConsumerRecord<String, byte[]> record : tasks) {
            SequencedMessage persisted = Tasks.persistPayload(WireJson.fromBytes(record.value(), Task.class));
            assertThat(seqs.computeIfAbsent(persisted.message().conversationId(), c -> new TreeSet<>())
                    .add(persisted.seq())).isTrue();
        }
        assertThat(seqs).hasSize(CONVERSATIONS);
        int perConversation = MESSAGES / CONVERSATIONS;
        seqs.forEach((conversation, numbers) -> assertThat(numbers).as(conversation)
                .hasSize(perConversation).first().isEqualTo(1L));
        seqs.forEach((conversation, numbers) -> assertThat(numbers.last()).isEqualTo((long) perConversation));

        List<ConsumerRecord<String, byte[]>> dead = KafkaTestClients.readAtLeast(brokers, "im-upstream-topic-dlq",
                bad, Duration.ofSeconds(30));
        assertThat(dead).hasSize(bad);
        assertThat(dead).allSatisfy(r -> assertThat(DeadLetterHeaders.text(r.headers(), ImHeaders.DLT_REASON))
                .isEqualTo("MALFORMED_JSON"));
        assertThat(duplicates).isEqualTo(MESSAGES / 50);

        everyMessageIsTracedRoutedWithItsAdmissionOnceAndEveryDuplicateOnce(brokers, routed, duplicates);
        queriesForKeysHeldByTheOtherInstanceAreAnswered(perConversation);
    }

    /**
     * Message trace (issue 15) through the trace output bindings and the routed records, across two instances and
     * exactly once: one duplicate per repeat on im-trace-topic, keyed by message_id; one routed stage per message
     * carrying its admission (with its upstream partition and offset, also for the records re-keyed by sender), on
     * the recipient's routed record ({@link RoutedHeader}: single chat), none as a record of its own.
     */
    private static void everyMessageIsTracedRoutedWithItsAdmissionOnceAndEveryDuplicateOnce(
            String brokers, List<ConsumerRecord<String, byte[]>> routed, int duplicates) {
        List<ConsumerRecord<String, byte[]>> records = KafkaTestClients.readAtLeast(brokers, "im-trace-topic",
                duplicates, Duration.ofSeconds(60));
        Map<TraceStage, Set<String>> ids = new HashMap<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            TraceEvent event = WireJson.fromBytes(record.value(), TraceEvent.class);
            assertThat(record.key()).isEqualTo(event.messageId());
            assertThat(ids.computeIfAbsent(event.stage(), s -> new HashSet<>()).add(event.messageId()))
                    .as("%s traced %s once", event.messageId(), event.stage()).isTrue();
        }
        assertThat(records).hasSize(duplicates);
        assertThat(ids).containsOnlyKeys(TraceStage.DUPLICATE);
        assertThat(ids.get(TraceStage.DUPLICATE)).hasSize(duplicates);

        Set<String> routedStages = new HashSet<>();
        for (ConsumerRecord<String, byte[]> record : routed) {
            RoutedHeader.Carried carried = RoutedHeader.take(new RecordHeaders(record.headers().toArray()));
            RoutedMessage m = WireJson.fromBytes(record.value(), RoutedMessage.class);
            if (m.sync()) {
                assertThat(carried).as("a sync copy carries no routed stage").isNull();
                continue;
            }
            assertThat(carried).as("the recipient's copy of %s carries its routed stage", m.message().messageId())
                    .isNotNull();
            assertThat(carried.readable()).isTrue();
            assertThat(routedStages.add(m.message().messageId())).isTrue();
            assertThat(carried.facts().get("accepted")).asInstanceOf(
                    org.assertj.core.api.InstanceOfAssertFactories.map(String.class, Object.class))
                    .containsKeys("at", "partition", "offset");
        }
        assertThat(routedStages).hasSize(MESSAGES);
    }

    /**
     * Group batches are computed for the configured partition count of im-routed-topic: a router configured for
     * fewer partitions than the topic has (partitions can only be added) must not start and write misplaced batches.
     */
    @Test
    void routerConfiguredForAnotherRoutedPartitionCountRefusesToStart() {
        assertThatThrownBy(() -> startRouter("c", freePort(), PARTITIONS - 1).close())
                .hasStackTraceContaining("im-routed-topic has " + PARTITIONS + " partitions")
                .hasStackTraceContaining("set im.topics.specs.routed.partitions=" + PARTITIONS);
    }

    /**
     * The by-sender repartition topic gets the configured upstream partition count: a router configured for another
     * count than im-upstream-topic has would de-duplicate a sender's records in two tasks.
     */
    @Test
    void routerConfiguredForAnotherUpstreamPartitionCountRefusesToStart() {
        assertThatThrownBy(() -> startRouter("e", freePort(), PARTITIONS - 1, PARTITIONS).close())
                .hasStackTraceContaining("im-upstream-topic has " + PARTITIONS + " partitions")
                .hasStackTraceContaining("set im.topics.specs.upstream.partitions=" + PARTITIONS);
    }

    private void queriesForKeysHeldByTheOtherInstanceAreAnswered(int perConversation) {
        InteractiveQueryService queries = first.getBean(InteractiveQueryService.class);
        HostInfo self = queries.getCurrentHostInfo();
        String conversation = null;
        for (int c = 0; c < CONVERSATIONS && conversation == null; c++) {
            HostInfo owner = queries.getHostInfo(RouterTopology.SEQUENCE_STORE, "conv_" + c, new StringSerializer());
            if (!owner.equals(self)) {
                conversation = "conv_" + c;
            }
        }
        assertThat(conversation).as("the second instance holds some conversations").isNotNull();
        RestClient http = client(firstPort);
        JsonNode seq = WireJson.mapper().readTree(http.get().uri("/api/v1/conversations/" + conversation + "/seq")
                .retrieve().body(byte[].class));
        assertThat(seq.path("seq").asLong()).isEqualTo(perConversation);

        String user = null;
        for (int u = 0; u < USERS && user == null; u++) {
            HostInfo owner = queries.getHostInfo(RouterTopology.DEDUP_STORE, "user_" + u, new StringSerializer());
            if (!owner.equals(self)) {
                user = "user_" + u;
            }
        }
        assertThat(user).isNotNull();
        int index = Integer.parseInt(user.substring("user_".length()));
        JsonNode dedup = WireJson.mapper().readTree(http.get().uri("/api/v1/dedup/" + user + "/m" + index)
                .retrieve().body(byte[].class));
        assertThat(dedup.path("message_id").asString()).isEqualTo("m" + index);
        int unknown = http.get().uri("/api/v1/dedup/" + user + "/never").exchange((req, res) ->
                res.getStatusCode().value());
        assertThat(unknown).isEqualTo(404);
    }
}
