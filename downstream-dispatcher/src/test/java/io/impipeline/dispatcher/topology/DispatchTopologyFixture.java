package io.impipeline.dispatcher.topology;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import io.impipeline.dispatcher.config.DispatcherProperties;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.dispatcher.gateway.GatewayTopics;
import io.impipeline.dispatcher.gateway.GatewaysStore;
import io.impipeline.dispatcher.presence.PresenceStore;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.codec.WireSerde;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.GatewayHeartbeat;
import io.impipeline.model.wire.PresenceEvent;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.Task;
import io.impipeline.model.wire.UpstreamMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import org.springframework.util.FileSystemUtils;

/**
 * The dispatcher's topology on a {@link TopologyTestDriver}, wired as the binder wires it, with a mocked wall clock
 * and a gateway-topic registry the test controls. Close it after each test.
 */
final class DispatchTopologyFixture implements AutoCloseable {

    static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    final ImTopicsProperties topics = ImTopicsProperties.defaults();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final FakeGatewayTopics gatewayTopics = new FakeGatewayTopics();
    final TopologyTestDriver driver;
    final TestInputTopic<String, byte[]> routed;
    final TestInputTopic<String, byte[]> presence;
    final TestInputTopic<String, byte[]> heartbeats;
    private final Path stateDir;

    DispatchTopologyFixture() {
        this(DispatcherProperties.defaults(), TaskKeyStrategy.TASK_TYPE);
    }

    DispatchTopologyFixture(DispatcherProperties properties, TaskKeyStrategy taskKeys) {
        try {
            stateDir = Files.createTempDirectory("dispatcher-ttd-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DispatchTopology topology = new DispatchTopology(topics, properties, taskKeys, WireValidator.withDefaults(),
                gatewayTopics, new DispatchMetrics(meters), null);
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(PresenceStore.builder());
        topology.build(
                builder.stream(topics.name(TopicKind.ROUTED), Consumed.with(Serdes.String(), Serdes.ByteArray())),
                builder.stream(topics.name(TopicKind.PRESENCE), Consumed.with(Serdes.String(), Serdes.ByteArray())),
                builder.globalTable(topics.name(TopicKind.GATEWAY), Consumed.with(Serdes.String(), new io.impipeline.model.codec.ValidatingSerde.GatewayHeartbeats()),
                        Materialized.as("gateways")));
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

    /** A text message from {@code from} (sent from {@code fromDevice}) routed to {@code recipient}. */
    static RoutedMessage routedText(String messageId, String from, String fromDevice, String recipient, long seq,
                                    boolean sync, long timestamp) {
        UpstreamMessage m = new UpstreamMessage(messageId, from, sync ? "someone" : recipient, "conv-1",
                "hello " + messageId, "text", Map.of(), "gw-a", fromDevice, timestamp,
                UpstreamMessage.CURRENT_VERSION, null, null);
        return RoutedMessage.to(recipient, new SequencedMessage(m, seq, timestamp), sync, timestamp);
    }

    void route(RoutedMessage message) {
        routed.pipeInput(message.recipientId(), WireJson.toBytes(message));
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

    TestOutputTopic<String, byte[]> dlq(TopicKind kind) {
        return driver.createOutputTopic(topics.dlqTopic(kind), new StringDeserializer(), new ByteArrayDeserializer());
    }

    double counter(String outcome, String gateway) {
        var c = meters.find(DispatchMetrics.DELIVERIES).tag("outcome", outcome).tag("gateway", gateway).counter();
        return c == null ? 0 : c.count();
    }

    @Override
    public void close() {
        driver.close();
        FileSystemUtils.deleteRecursively(stateDir.toFile());
    }

    /** Every gateway's topic is ready unless the test says otherwise. */
    static final class FakeGatewayTopics implements GatewayTopics {
        final Set<String> notReady = new HashSet<>();

        @Override
        public boolean awaitReady(String gatewayId) {
            return !notReady.contains(gatewayId);
        }

        @Override
        public boolean isReady(String gatewayId) {
            return awaitReady(gatewayId);
        }
    }
}
