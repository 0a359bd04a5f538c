package io.impipeline.dispatcher.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import io.impipeline.dispatcher.settings.DispatcherProperties;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.dispatcher.gateway.GatewayTopics;
import io.impipeline.dispatcher.gateway.GatewaysStore;
import io.impipeline.dispatcher.presence.PresenceStore;
import io.impipeline.dispatcher.topology.DispatchMetrics;
import io.impipeline.dispatcher.topology.DispatchOutputs;
import io.impipeline.dispatcher.topology.DispatchTopology;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.platform.topics.TopicProvisioner;
import io.impipeline.model.topics.TopicSpec;
import io.impipeline.model.wire.GatewayHeartbeat;
import io.impipeline.model.wire.PresenceEvent;
import io.impipeline.model.wire.RecipientPartitions;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.testkit.KafkaTestClients;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.util.FileSystemUtils;

/**
 * Dispatcher throughput (routed records/s): the real topology on Kafka Streams with exactly_once_v2 against an
 * embedded single-node KRaft broker in the same JVM, 10,000 users (1-3 devices each, 10 % offline) over 5 live
 * gateways. Presence is loaded first; then the app is stopped, the routed records are written, and the app is
 * started again: the figure is records / (time from RUNNING until the app's committed offsets reach the end of
 * im-routed-topic). Broker, producer and app share the machine.
 * <p>
 * {@code group} = 0: {@code messages} single-chat records. {@code group} > 0: {@code messages} group messages of that
 * many members each (a block of consecutive users), written as the router writes them: {@code batch} (contract v2,
 * one record per routed partition with its members) or {@code per-member} (contract v1, one record per member).
 *
 * <pre>
 * ./mvnw -o -q -B -pl downstream-dispatcher test-compile dependency:build-classpath -Dmdep.includeScope=test \
 *   -Dmdep.outputFile=target/test-classpath.txt
 * java -Xmx1g -cp "downstream-dispatcher/target/test-classes:downstream-dispatcher/target/classes:$(cat downstream-dispatcher/target/test-classpath.txt)" \
 *   io.impipeline.dispatcher.bench.DispatchBenchmark [messages=200000] [users=10000] [gateways=5] [group=0] [batch|per-member]
 * </pre>
 */
public final class DispatchBenchmark {

    private static final String APP_ID = "dispatcher-bench";
    private static final int OFFLINE_EVERY = 10;
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration LIMIT = Duration.ofMinutes(10);

    private DispatchBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int messages = arg(args, 0, 200_000);
        int users = arg(args, 1, 10_000);
        int gateways = arg(args, 2, 5);
        int groupSize = arg(args, 3, 0);
        boolean perMember = args.length > 4 && args[4].equals("per-member");
        ImTopicsProperties topics = new ImTopicsProperties("", "lz4", 1, (short) 1, null, null, null, null, null);
        EmbeddedKafkaBroker broker = new EmbeddedKafkaKraftBroker(1, 1)
                // One broker: the transaction log must fit on it, or exactly-once cannot start.
                .brokerProperties(Map.of("transaction.state.log.replication.factor", "1",
                        "transaction.state.log.min.isr", "1", "offsets.topic.replication.factor", "1"));
        broker.afterPropertiesSet();
        Path stateDir = Files.createTempDirectory("dispatcher-bench-");
        String bootstrap = broker.getBrokersAsString();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
             KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(bootstrap)) {
            createTopics(admin, topics, gateways);
            long now = System.currentTimeMillis();
            for (int g = 0; g < gateways; g++) {
                String id = "gw-" + g;
                send(producer, topics.name(TopicKind.GATEWAY), id, new GatewayHeartbeat(id, GatewayHeartbeat.Status.UP,
                        now + LIMIT.toMillis()));
            }
            int devices = populate(producer, topics, users, gateways, now);
            producer.flush();

            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            KafkaStreams warm = start(topics, bootstrap, stateDir, meters);
            awaitCaughtUp(admin, topics.name(TopicKind.PRESENCE));
            warm.close();

            int records = groupSize == 0 ? writeSingleChat(producer, topics, messages, users)
                    : writeGroups(producer, topics, messages, users, groupSize, perMember);
            producer.flush();

            KafkaStreams streams = start(topics, bootstrap, stateDir, meters);
            long started = System.nanoTime();
            while (streams.state() != KafkaStreams.State.RUNNING) {
                Thread.sleep(10);
            }
            long running = System.nanoTime();
            awaitCaughtUp(admin, topics.name(TopicKind.ROUTED));
            long done = System.nanoTime();
            streams.close();

            double seconds = (done - running) / 1e9;
            System.out.printf("users=%d devices=%d (every %dth user offline) gateways=%d messages=%d group=%d%s "
                    + "routed records=%d%n", users, devices, OFFLINE_EVERY, gateways, messages, groupSize,
                    groupSize == 0 ? "" : perMember ? " per-member (v1)" : " batch (v2)", records);
            System.out.printf("start to RUNNING %.2f s; RUNNING to all committed %.2f s%n",
                    (running - started) / 1e9, seconds);
            System.out.printf("THROUGHPUT routed records/s: %.0f, messages/s: %.0f%n", records / seconds,
                    messages / seconds);
            for (String meter : List.of(DispatchMetrics.DELIVERIES, DispatchMetrics.RECIPIENTS)) {
                meters.find(meter).counters().forEach(c -> System.out.printf("  %s %s %s = %.0f%n", meter,
                        c.getId().getTag("outcome"), c.getId().getTag("gateway"), c.count()));
            }
            double written = count(meters, DispatchMetrics.DELIVERIES, "delivered")
                    + count(meters, DispatchMetrics.DELIVERIES, "offline");
            System.out.printf("RECORDS WRITTEN per message: routed %.1f, downstream + push %.1f%n",
                    (double) records / messages, written / messages);
        } finally {
            broker.destroy();
            FileSystemUtils.deleteRecursively(stateDir.toFile());
        }
    }

    private static KafkaStreams start(ImTopicsProperties topics, String bootstrap, Path stateDir,
                                      SimpleMeterRegistry meters) {
        GatewayTopics allCreated = new GatewayTopics() {
            @Override
            public boolean awaitReady(String gatewayId) {
                return true;
            }

            @Override
            public boolean isReady(String gatewayId) {
                return true;
            }
        };
        DispatchTopology topology = new DispatchTopology(topics, DispatcherProperties.defaults(),
                TaskKeyStrategy.TASK_TYPE, WireValidator.withDefaults(), allCreated,
                () -> topics.spec(TopicKind.PRESENCE).partitions(), new DispatchMetrics(meters), null);
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(PresenceStore.builder());
        // The offline pushes' and trace events' sinks, as the output bindings add them.
        DispatchOutputs.attach(topology.build(
                builder.stream(topics.name(TopicKind.ROUTED), Consumed.with(Serdes.String(), Serdes.ByteArray())),
                builder.stream(topics.name(TopicKind.PRESENCE), Consumed.with(Serdes.String(), Serdes.ByteArray())),
                builder.globalTable(topics.name(TopicKind.GATEWAY), Consumed.with(Serdes.String(), Serdes.ByteArray()),
                        Materialized.as("gateways"))), topics);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APP_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.producerPrefix("compression.type"), "lz4");
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        KafkaStreams streams = new KafkaStreams(builder.build(), props);
        streams.start();
        return streams;
    }

    private static void createTopics(Admin admin, ImTopicsProperties topics, int gateways) throws Exception {
        TopicProvisioner provisioner = new TopicProvisioner(topics);
        List<NewTopic> all = new ArrayList<>();
        for (TopicKind kind : List.of(TopicKind.ROUTED, TopicKind.PRESENCE, TopicKind.GATEWAY, TopicKind.TASK)) {
            all.add(provisioner.newTopic(topics.resolve(kind.key())));
        }
        all.add(provisioner.newTopic(topics.dlqSpec(TopicKind.ROUTED)));
        all.add(provisioner.newTopic(topics.dlqSpec(TopicKind.PRESENCE)));
        for (int g = 0; g < gateways; g++) {
            TopicSpec spec = topics.downstreamSpec("gw-" + g);
            all.add(provisioner.newTopic(spec));
        }
        admin.createTopics(all).all().get(30, TimeUnit.SECONDS);
    }

    /** Each online user gets 1-3 devices spread over the gateways; every tenth user stays offline. */
    private static int populate(KafkaProducer<String, byte[]> producer, ImTopicsProperties topics, int users,
                                int gateways, long now) {
        int devices = 0;
        for (int u = 0; u < users; u++) {
            if (u % OFFLINE_EVERY == 0) {
                continue;
            }
            String user = "user-" + u;
            for (int d = 0; d < 1 + u % 3; d++) {
                send(producer, topics.name(TopicKind.PRESENCE), user, new PresenceEvent(user, "dev-" + d,
                        "gw-" + ((u + d) % gateways), PresenceEvent.Status.ONLINE, now));
                devices++;
            }
        }
        return devices;
    }

    private static int writeSingleChat(KafkaProducer<String, byte[]> producer, ImTopicsProperties topics,
                                       int messages, int users) {
        for (int i = 0; i < messages; i++) {
            String recipient = "user-" + ((long) i * 7919 % users);
            producer.send(new ProducerRecord<>(topics.name(TopicKind.ROUTED), recipient, routed(i, recipient)));
        }
        return messages;
    }

    private static byte[] routed(int i, String recipient) {
        long now = System.currentTimeMillis();
        UpstreamMessage m = new UpstreamMessage("m-" + i, "sender-" + (i % 997), recipient, "conv-" + recipient,
                "a typical short chat message, number " + i, "text", Map.of(), "gw-0", "dev-0", now,
                UpstreamMessage.CURRENT_VERSION, null, null);
        return WireJson.toBytes(RoutedMessage.to(recipient, new SequencedMessage(m, i + 1L, now), false, now));
    }

    /**
     * Group message g goes to {@code size} consecutive users from a spread-out start. v2: one record per partition
     * of im-routed-topic with the members of that partition, key the conversation; v1: one record per member.
     */
    private static int writeGroups(KafkaProducer<String, byte[]> producer, ImTopicsProperties topics, int messages,
                                   int users, int size, boolean perMember) {
        String topic = topics.name(TopicKind.ROUTED);
        int partitions = topics.spec(TopicKind.ROUTED).partitions();
        int records = 0;
        for (int g = 0; g < messages; g++) {
            long now = System.currentTimeMillis();
            String group = "group-" + g;
            UpstreamMessage m = new UpstreamMessage("g-" + g, "sender-" + (g % 997), null, "conv-" + group,
                    "a typical short group message, number " + g, "text", Map.of(), "gw-0", "dev-0", now,
                    UpstreamMessage.CURRENT_VERSION, group, null);
            SequencedMessage sequenced = new SequencedMessage(m, 1, now);
            List<String> members = new ArrayList<>();
            int start = (int) ((long) g * 7919 % users);
            for (int k = 0; k < size; k++) {
                members.add("user-" + (start + k) % users);
            }
            if (perMember) {
                for (String member : members) {
                    producer.send(new ProducerRecord<>(topic, member,
                            WireJson.toBytes(RoutedMessage.to(member, sequenced, false, now))));
                    records++;
                }
            } else {
                for (Map.Entry<Integer, List<String>> batch : RecipientPartitions.byPartition(members, partitions)
                        .entrySet()) {
                    producer.send(new ProducerRecord<>(topic, batch.getKey(), m.conversationId(),
                            WireJson.toBytes(RoutedMessage.batch(batch.getValue(), sequenced, now))));
                    records++;
                }
            }
        }
        return records;
    }

    private static double count(SimpleMeterRegistry meters, String name, String outcome) {
        return meters.find(name).tag("outcome", outcome).counters().stream().mapToDouble(Counter::count).sum();
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, String key, Object value) {
        producer.send(new ProducerRecord<>(topic, key, WireJson.toBytes(value)));
    }

    /** Waits until the app's committed offsets on {@code topic} reach its end offsets. */
    private static void awaitCaughtUp(Admin admin, String topic) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(APP_ID)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            var partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                    .partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            partitions.forEach(p -> latest.put(p, OffsetSpec.latest()));
            var ends = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
            boolean caughtUp = partitions.stream().allMatch(p -> committed.containsKey(p)
                    && committed.get(p).offset() >= ends.get(p).offset());
            if (caughtUp) {
                return;
            }
            Thread.sleep(POLL.toMillis());
        }
        throw new IllegalStateException("not caught up on " + topic + " within " + LIMIT);
    }

    private static int arg(String[] args, int i, int fallback) {
        return args.length > i ? Integer.parseInt(args[i]) : fallback;
    }
}
