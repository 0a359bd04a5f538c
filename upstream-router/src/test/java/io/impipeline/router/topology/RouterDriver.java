package io.impipeline.router.topology;

import io.impipeline.platform.kafka.RecordSizeGuard;
import io.impipeline.platform.messagetrace.TraceSwitch;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Properties;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.ValidationLimits;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.codec.WireSerde;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.platform.tracing.StreamTracing;
import io.impipeline.model.wire.GroupMembership;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.Task;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.router.filter.ContentFilter;
import io.impipeline.router.metrics.RouterMetrics;
import io.impipeline.router.settings.RouterProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.test.TestRecord;

/** The router topology in a {@link TopologyTestDriver}, with typed access to its inputs and outputs. */
final class RouterDriver implements AutoCloseable {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final ImTopicsProperties TOPICS = ImTopicsProperties.defaults();

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final RouterMetrics metrics = new RouterMetrics(registry);
    final TopologyTestDriver driver;
    private final TestInputTopic<String, byte[]> upstream;
    private final TestInputTopic<String, byte[]> groups;
    private final TestOutputTopic<String, byte[]> routed;
    private final TestOutputTopic<String, byte[]> tasks;
    private final TestOutputTopic<String, byte[]> dlq;
    private final TestOutputTopic<String, TraceEvent> trace;

    RouterDriver(Path stateDir, RouterProperties properties, TaskKeyStrategy keys, Clock clock,
                 StreamTracing tracing) {
        this(stateDir, properties, keys, clock, tracing,
                RecordSizeGuard.forMaxRequestSize((int) properties.maxDerivedRecordBytes().toBytes()));
    }

    /** @param guard the record limit; the others take {@code max-derived-record-bytes} as the producer's limit */
    RouterDriver(Path stateDir, RouterProperties properties, TaskKeyStrategy keys, Clock clock,
                 StreamTracing tracing, RecordSizeGuard guard) {
        this(stateDir, properties, keys, clock, tracing, guard, true);
    }

    /** @param trace {@code im.trace.enabled} */
    RouterDriver(Path stateDir, RouterProperties properties, TaskKeyStrategy keys, Clock clock,
                 StreamTracing tracing, RecordSizeGuard guard, boolean trace) {
        this(stateDir, properties, keys, clock, tracing, guard, TraceSwitch.of(trace));
    }

    /** @param trace {@code im.trace.enabled} and its run-time pause, which the test may switch */
    RouterDriver(Path stateDir, RouterProperties properties, TaskKeyStrategy keys, Clock clock,
                 StreamTracing tracing, RecordSizeGuard guard, TraceSwitch trace) {
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, byte[]> in = builder.stream(TOPICS.name(TopicKind.UPSTREAM),
                Consumed.with(org.apache.kafka.common.serialization.Serdes.String(),
                        org.apache.kafka.common.serialization.Serdes.ByteArray()));
        GlobalKTable<String, byte[]> table = builder.globalTable(TOPICS.name(TopicKind.GROUP),
                Consumed.with(org.apache.kafka.common.serialization.Serdes.String(),
                        org.apache.kafka.common.serialization.Serdes.ByteArray()),
                Materialized.as("router-groups"));
        WireValidator validator = new WireValidator(ValidationLimits.defaults(), Clock.fixed(T0, ZoneOffset.UTC));
        // The sinks the output bindings add (RouterOutputs), so that the tests check the real wiring.
        RouterOutputs.attach(new RouterTopology(properties, keys, TOPICS, validator,
                ContentFilter.from(properties.filter()), metrics, tracing, clock, guard, trace).build(in, table),
                TOPICS);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "im-logic-group");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(builder.build(), props, T0);
        upstream = driver.createInputTopic(TOPICS.name(TopicKind.UPSTREAM), new StringSerializer(),
                new ByteArraySerializer(), T0, Duration.ZERO);
        groups = driver.createInputTopic(TOPICS.name(TopicKind.GROUP), new StringSerializer(),
                new ByteArraySerializer());
        routed = driver.createOutputTopic(TOPICS.name(TopicKind.ROUTED), new StringDeserializer(),
                new ByteArrayDeserializer());
        tasks = driver.createOutputTopic(TOPICS.name(TopicKind.TASK), new StringDeserializer(),
                new ByteArrayDeserializer());
        dlq = driver.createOutputTopic(TOPICS.dlqTopic(TopicKind.UPSTREAM), new StringDeserializer(),
                new ByteArrayDeserializer());
        this.trace = driver.createOutputTopic(TOPICS.name(TopicKind.TRACE), new StringDeserializer(),
                WireSerde.of(TraceEvent.class).deserializer());
    }

    /** A driver with the default properties and the trace switch given (started enabled, paused by the test). */
    static RouterDriver withTrace(Path stateDir, RouterProperties properties, TraceSwitch trace) {
        return new RouterDriver(stateDir, properties, TaskKeyStrategy.TASK_TYPE, Clock.fixed(T0, ZoneOffset.UTC), null,
                RecordSizeGuard.forMaxRequestSize((int) properties.maxDerivedRecordBytes().toBytes()), trace);
    }

    /** A driver with the default properties and {@code im.trace.enabled} as given. */
    static RouterDriver withTrace(Path stateDir, RouterProperties properties, boolean trace) {
        return new RouterDriver(stateDir, properties, TaskKeyStrategy.TASK_TYPE, Clock.fixed(T0, ZoneOffset.UTC), null,
                RecordSizeGuard.forMaxRequestSize((int) properties.maxDerivedRecordBytes().toBytes()), trace);
    }

    RouterDriver(Path stateDir, RouterProperties properties) {
        this(stateDir, properties, TaskKeyStrategy.TASK_TYPE, Clock.fixed(T0, ZoneOffset.UTC), null);
    }

    RouterDriver(Path stateDir) {
        this(stateDir, RouterProperties.defaults());
    }

    void send(Object message) {
        sendRaw(keyOf(message), WireJson.toBytes(message));
    }

    void sendAt(Object message, Instant recordTime) {
        upstream.pipeInput(keyOf(message), WireJson.toBytes(message), recordTime);
    }

    void sendRaw(String key, byte[] value) {
        upstream.pipeInput(key, value);
    }

    void sendWithHeaders(Object message, RecordHeaders headers) {
        upstream.pipeInput(new TestRecord<>(keyOf(message), WireJson.toBytes(message), headers, T0));
    }

    void sendRaw(String key, byte[] value, RecordHeaders headers) {
        upstream.pipeInput(new TestRecord<>(key, value, headers, T0));
    }

    /** Whether dedup remembers (from_user_id, message_id) at the driver's start time. */
    boolean remembers(String fromUserId, String messageId) {
        WindowStore<String, Long> store = driver.getWindowStore(DedupProcessor.STORE);
        try (WindowStoreIterator<Long> hits = store.fetch(StoreKeys.dedup(fromUserId, messageId),
                T0.minus(Duration.ofDays(1)), T0.plus(Duration.ofDays(1)))) {
            return hits.hasNext();
        }
    }

    void group(String groupId, List<String> members) {
        groups.pipeInput(groupId, WireJson.toBytes(new GroupMembership(groupId, members, 1, T0.toEpochMilli())));
    }

    /** Any bytes as a group record, as anyone may write them to the group topic. */
    void groupRaw(String key, byte[] value) {
        groups.pipeInput(key, value);
    }

    /**
     * Puts {@code value} into the group table's store as a global table's restore does: straight into the persistent
     * store, under the cache, without the deserializer. Only for a group the test has not piped yet (the cache would
     * hide the write).
     */
    void restoreGroupRaw(String groupId, byte[] value) {
        org.apache.kafka.streams.processor.StateStore store = driver.getAllStateStores().get("router-groups");
        store.flush();
        while (store instanceof org.apache.kafka.streams.state.internals.WrappedStateStore<?, ?, ?> wrapped) {
            store = wrapped.wrapped();
        }
        @SuppressWarnings("unchecked")
        org.apache.kafka.streams.state.KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]> raw =
                (org.apache.kafka.streams.state.KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]>) store;
        // A timestamped store's value: the record's timestamp (8 bytes), then the value as it was on the topic.
        byte[] timestamped = java.nio.ByteBuffer.allocate(8 + value.length).putLong(T0.toEpochMilli()).put(value)
                .array();
        raw.put(org.apache.kafka.common.utils.Bytes.wrap(groupId.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                timestamped);
    }

    void deleteGroup(String groupId) {
        groups.pipeInput(groupId, null);
    }

    void advanceWallClock(Duration by) {
        driver.advanceWallClockTime(by);
    }

    List<KeyValue<String, RoutedMessage>> routed() {
        return routed.readKeyValuesToList().stream()
                .map(kv -> KeyValue.pair(kv.key, WireJson.fromBytes(kv.value, RoutedMessage.class))).toList();
    }

    List<TestRecord<String, byte[]>> routedRecords() {
        return routed.readRecordsToList();
    }

    List<KeyValue<String, Task>> tasks() {
        return tasks.readKeyValuesToList().stream()
                .map(kv -> KeyValue.pair(kv.key, WireJson.fromBytes(kv.value, Task.class))).toList();
    }

    List<TestRecord<String, byte[]>> taskRecords() {
        return tasks.readRecordsToList();
    }

    /** The records written to im-trace-topic since the last read, in the order written. */
    List<TestRecord<String, TraceEvent>> traceRecords() {
        return trace.readRecordsToList();
    }

    List<TestRecord<String, byte[]>> deadLetters() {
        return dlq.readRecordsToList();
    }

    static String reasonOf(TestRecord<String, byte[]> deadLetter) {
        return DeadLetterHeaders.text(deadLetter.headers(), ImHeaders.DLT_REASON);
    }

    private static String keyOf(Object message) {
        return message instanceof io.impipeline.model.wire.UpstreamMessage m ? m.fromUserId() : null;
    }

    @Override
    public void close() {
        driver.close();
    }
}
