package io.impipeline.dispatcher.topology;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

import io.impipeline.platform.messagetrace.TraceSwitch;
import io.impipeline.dispatcher.settings.DispatcherProperties;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.dispatcher.gateway.GatewayTopics;
import io.impipeline.dispatcher.gateway.GatewaysStore;
import io.impipeline.dispatcher.presence.PresenceStore;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.codec.WireSerde;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.GatewayHeartbeat;
import io.impipeline.model.wire.PresenceEvent;
import io.impipeline.model.wire.RecipientPartitions;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.Task;
import io.impipeline.model.wire.UpstreamMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.WrappedStateStore;
import org.springframework.util.FileSystemUtils;

/**
 * The dispatcher's topology on a {@link TopologyTestDriver}, wired as the binder wires it, with a mocked wall clock
 * and a gateway-topic registry the test controls. Close it after each test.
 * <p>
 * The driver reads every topic as one partition, 0. By default the presence topic is said to have one partition
 * too, so every user belongs to it; a test of misplaced recipients says there are more ({@link #MANY_PARTITIONS}) and
 * picks users of partition 0 with {@link #usersOfThisPartition}.
 */
final class DispatchTopologyFixture implements AutoCloseable {

    static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    /** The partition the driver reads every record from. */
    static final int THIS_PARTITION = 0;
    /** The default partition count of im-routed-topic and im-presence-topic. */
    static final int MANY_PARTITIONS = 10;
    static final String GROUP = "grp-1";
    static final String GROUP_CONVERSATION = "conv-grp-1";

    final ImTopicsProperties topics = ImTopicsProperties.defaults();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final FakeGatewayTopics gatewayTopics = new FakeGatewayTopics();
    final TopologyTestDriver driver;
    final TestInputTopic<String, byte[]> routed;
    final TestInputTopic<String, byte[]> presence;
    final TestInputTopic<String, byte[]> heartbeats;
    private final Path stateDir;

    final int partitions;

    DispatchTopologyFixture() {
        this(DispatcherProperties.defaults(), TaskKeyStrategy.TASK_TYPE, 1);
    }

    DispatchTopologyFixture(DispatcherProperties properties, TaskKeyStrategy taskKeys, int partitions) {
        this(properties, taskKeys, partitions, () -> partitions);
    }

    /** @param partitionCount what the topology is told the presence topic's partition count is (may fail) */
    DispatchTopologyFixture(DispatcherProperties properties, TaskKeyStrategy taskKeys, int partitions,
                            IntSupplier partitionCount) {
        this(properties, taskKeys, partitions, partitionCount, true);
    }

    /** With the defaults and {@code im.trace.enabled} as given. */
    static DispatchTopologyFixture withTrace(boolean trace) {
        return new DispatchTopologyFixture(DispatcherProperties.defaults(), TaskKeyStrategy.TASK_TYPE, 1, () -> 1,
                trace);
    }

    /** @param trace {@code im.trace.enabled} */
    DispatchTopologyFixture(DispatcherProperties properties, TaskKeyStrategy taskKeys, int partitions,
                            IntSupplier partitionCount, boolean trace) {
        this.partitions = partitions;
        try {
            stateDir = Files.createTempDirectory("dispatcher-ttd-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DispatchTopology topology = new DispatchTopology(topics, properties, taskKeys, WireValidator.withDefaults(),
                gatewayTopics, partitionCount, new DispatchMetrics(meters), null, topics.maxMessageBytes(),
                TraceSwitch.of(trace));
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(PresenceStore.builder());
        // The sinks the output bindings add (DispatchOutputs), so that the tests check the real wiring.
        DispatchOutputs.attach(topology.build(
                builder.stream(topics.name(TopicKind.ROUTED), Consumed.with(Serdes.String(), Serdes.ByteArray())),
                builder.stream(topics.name(TopicKind.PRESENCE), Consumed.with(Serdes.String(), Serdes.ByteArray())),
                builder.globalTable(topics.name(TopicKind.GATEWAY), Consumed.with(Serdes.String(), Serdes.ByteArray()),
                        Materialized.as("gateways"))), topics);
        Topology built = builder.build();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "dispatcher-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(built, props, START);
        routed = input(topics.name(TopicKind.ROUTED));
        presence = input(topics.name(TopicKind.PRESENCE));
        heartbeats = input(topics.name(TopicKind.GATEWAY));
    }

    private TestInputTopic<String, byte[]> input(String topic) {
        return driver.createInputTopic(topic, new StringSerializer(), new ByteArraySerializer(), START, Duration.ZERO);
    }

    long now() {
        return START.toEpochMilli() + elapsed;
    }

    private long elapsed;

    void advance(Duration d) {
        elapsed += d.toMillis();
        driver.advanceWallClockTime(d);
    }

    // ---- inputs ---------------------------------------------------------------------------------------------

    void heartbeat(String gatewayId, GatewayHeartbeat.Status status) {
        heartbeats.pipeInput(gatewayId, WireJson.toBytes(new GatewayHeartbeat(gatewayId, status, now())));
    }

    void online(String user, String device, String gatewayId, long timestamp) {
        presence.pipeInput(user, WireJson.toBytes(new PresenceEvent(user, device, gatewayId,
                PresenceEvent.Status.ONLINE, timestamp)));
    }

    void offline(String user, String device, String gatewayId, long timestamp) {
        presence.pipeInput(user, WireJson.toBytes(new PresenceEvent(user, device, gatewayId,
                PresenceEvent.Status.OFFLINE, timestamp)));
    }

    /**
     * Puts {@code value} into the gateway table's store as a global table's restore does: straight into the
     * persistent store, under the cache, without the deserializer (so bytes the heartbeat serde would refuse get in).
     * Only for a gateway the test has not heartbeated yet (the cache would hide the write).
     */
    void restoreRawHeartbeat(String gatewayId, byte[] value) {
        StateStore store = driver.getAllStateStores().get("gateways");
        store.flush();
        while (store instanceof WrappedStateStore<?, ?, ?> wrapped) {
            store = wrapped.wrapped();
        }
        @SuppressWarnings("unchecked")
        KeyValueStore<Bytes, byte[]> raw = (KeyValueStore<Bytes, byte[]>) store;
        // A timestamped store's value: the record's timestamp (8 bytes), then the value as it was on the topic.
        byte[] timestamped = java.nio.ByteBuffer.allocate(8 + value.length).putLong(now()).put(value).array();
        raw.put(Bytes.wrap(gatewayId.getBytes(java.nio.charset.StandardCharsets.UTF_8)), timestamped);
    }

    /** The gateway table's store as the dispatch step and the queries see it. */
    org.apache.kafka.streams.state.ReadOnlyKeyValueStore<String, ?> gatewayStore() {
        return driver.getTimestampedKeyValueStore("gateways");
    }

    /** A text message from {@code from} (sent from {@code fromDevice}) routed to {@code recipient}. */
    static RoutedMessage routedText(String messageId, String from, String fromDevice, String recipient, long seq,
                                    boolean sync, long timestamp) {
        UpstreamMessage m = new UpstreamMessage(messageId, from, sync ? "someone" : recipient, "conv-1",
                "hello " + messageId, "text", Map.of(), "gw-a", fromDevice, timestamp,
                UpstreamMessage.CURRENT_VERSION, null, null);
        return RoutedMessage.to(recipient, new SequencedMessage(m, seq, timestamp), sync, timestamp);
    }

    /** A text message from {@code from} to the group, the batch of {@code members} (as the router writes it). */
    static RoutedMessage routedGroupText(String messageId, String from, List<String> members, long seq,
                                         long timestamp) {
        UpstreamMessage m = new UpstreamMessage(messageId, from, null, GROUP_CONVERSATION, "hello " + messageId,
                "text", Map.of(), "gw-a", from + "-phone", timestamp, UpstreamMessage.CURRENT_VERSION, GROUP, null);
        return RoutedMessage.batch(members, new SequencedMessage(m, seq, timestamp), timestamp);
    }

    /** Writes a routed record with the key its producer must use: the recipient, or a batch's conversation. */
    void route(RoutedMessage message) {
        routed.pipeInput(message.isBatch() ? message.message().conversationId() : message.recipientId(),
                WireJson.toBytes(message));
    }

    /** {@link #route}, the record with these headers (as the router's carrier of the routed stage has them). */
    void route(RoutedMessage message, org.apache.kafka.common.header.Headers headers) {
        routed.pipeInput(new org.apache.kafka.streams.test.TestRecord<>(message.isBatch()
                ? message.message().conversationId() : message.recipientId(), WireJson.toBytes(message), headers,
                java.time.Instant.ofEpochMilli(message.message().timestamp())));
    }

    /** {@code count} user ids, {@code prefix}-n, that belong to the partition the driver reads (with this layout). */
    List<String> usersOfThisPartition(String prefix, int count) {
        return users(prefix, count, id -> RecipientPartitions.partitionOf(id, partitions) == THIS_PARTITION);
    }

    /** A user id, {@code prefix}-n, of another partition than the one the driver reads. */
    String userOfAnotherPartition(String prefix) {
        return users(prefix, 1, id -> RecipientPartitions.partitionOf(id, partitions) != THIS_PARTITION).get(0);
    }

    private static List<String> users(String prefix, int count, Predicate<String> wanted) {
        List<String> users = new ArrayList<>();
        for (int n = 0; users.size() < count; n++) {
            if (wanted.test(prefix + "-" + n)) {
                users.add(prefix + "-" + n);
            }
        }
        return users;
    }

    // ---- outputs --------------------------------------------------------------------------------------------

    TestOutputTopic<String, DownstreamMessage> downstream(String gatewayId) {
        return driver.createOutputTopic(topics.downstreamTopic(gatewayId), new StringDeserializer(),
                WireSerde.of(DownstreamMessage.class).deserializer());
    }

    TestOutputTopic<String, Task> tasks() {
        return driver.createOutputTopic(topics.name(TopicKind.TASK), new StringDeserializer(),
                WireSerde.of(Task.class).deserializer());
    }

    /** What the dispatcher wrote to im-trace-topic (reading consumes it). */
    TestOutputTopic<String, TraceEvent> trace() {
        return driver.createOutputTopic(topics.name(TopicKind.TRACE), new StringDeserializer(),
                WireSerde.of(TraceEvent.class).deserializer());
    }

    TestOutputTopic<String, byte[]> dlq(TopicKind kind) {
        return driver.createOutputTopic(topics.dlqTopic(kind), new StringDeserializer(), new ByteArrayDeserializer());
    }

    double counter(String outcome, String gateway) {
        return counter(DispatchMetrics.DELIVERIES, outcome, gateway);
    }

    double recipients(String outcome, String gateway) {
        return counter(DispatchMetrics.RECIPIENTS, outcome, gateway);
    }

    /** The count of counter {@code name} with these tags (name, value, ...), 0 when it was never incremented. */
    double count(String name, String... tags) {
        var c = meters.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private double counter(String name, String outcome, String gateway) {
        var c = meters.find(name).tag("outcome", outcome).tag("gateway", gateway).counter();
        return c == null ? 0 : c.count();
    }

    @Override
    public void close() {
        driver.close();
        FileSystemUtils.deleteRecursively(stateDir.toFile());
    }

    /** Every gateway's topic is ready unless the test says otherwise; counts the waits asked for. */
    static final class FakeGatewayTopics implements GatewayTopics {
        final Set<String> notReady = new HashSet<>();
        final Map<String, Integer> awaited = new HashMap<>();

        @Override
        public boolean awaitReady(String gatewayId) {
            awaited.merge(gatewayId, 1, Integer::sum);
            return !notReady.contains(gatewayId);
        }

        @Override
        public boolean isReady(String gatewayId) {
            return !notReady.contains(gatewayId);
        }
    }
}
