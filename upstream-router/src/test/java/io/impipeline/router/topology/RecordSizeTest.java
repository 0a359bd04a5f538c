package io.impipeline.router.topology;

import io.impipeline.model.codec.Tasks;
import io.impipeline.platform.kafka.RecordSizeGuard;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.router.metrics.RouterMetrics.Outcome;
import io.impipeline.router.settings.RouterProperties;
import io.impipeline.testkit.Messages;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

import static io.impipeline.router.topology.RouterDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12: a valid message near the validator's 1 MiB limit made a persist task over the producer's
 * {@code max.request.size}, the send failed, Kafka Streams stopped, and the restarted router met the record again.
 * Every record the router writes is now measured before anything is written or the seq is taken
 * ({@link RecordSizeGuard}). {@code TopologyTestDriver} has no producer limit: what the real producer does is in
 * {@code OversizedRecordsIntegrationTest}.
 */
class RecordSizeTest {

    /** Kafka's default max.request.size, the producer limit the router had before. */
    private static final int ONE_MIB = 1024 * 1024;

    @TempDir
    Path stateDir;

    /** A valid text message of exactly {@code bytes} bytes: short text, metadata padded. */
    static byte[] messageOfSize(String messageId, String conversation, int bytes) {
        Map<String, Object> json = new LinkedHashMap<>(Messages.textJson());
        json.put("message_id", messageId);
        json.put("conversation_id", conversation);
        json.put("metadata", new LinkedHashMap<>(Map.of("padding", "")));
        int base = Messages.bytes(json).length;
        json.put("metadata", new LinkedHashMap<>(Map.of("padding", "p".repeat(bytes - base))));
        byte[] value = Messages.bytes(json);
        assertThat(value).hasSize(bytes);
        return value;
    }

    private RouterDriver routerWithLimit(int maxRequestSize) {
        return new RouterDriver(stateDir, RouterProperties.defaults(), TaskKeyStrategy.TASK_TYPE,
                Clock.fixed(T0, ZoneOffset.UTC), null, RecordSizeGuard.forMaxRequestSize(maxRequestSize));
    }

    @Test
    void messageOfAboutOneMebibyteIsRoutedWithTheDefaultLimit() {
        byte[] big = messageOfSize("big", "conv_123", 1_048_500);
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.sendRaw("user_123", big);

            assertThat(router.deadLetters()).isEmpty();
            List<TestRecord<String, byte[]>> routed = router.routedRecords();
            assertThat(routed).hasSize(2);
            var tasks = router.tasks();
            assertThat(tasks).hasSize(1);
            assertThat(Tasks.persistPayload(tasks.get(0).value).seq()).isEqualTo(1);
            // The persist task that stopped the router: over the old 1 MiB producer limit, within the 2 MiB one.
            assertThat(RecordSizeGuard.sizeOf("persist_message", WireJson.toBytes(tasks.get(0).value), null))
                    .isGreaterThan(ONE_MIB);
        }
    }

    /** Lowered to Kafka's default of 1 MiB; the dead letter (the message plus its headers) still fits whole. */
    @Test
    void messageWhoseRecordsWouldExceedALoweredLimitIsDeadLetteredTooLargeAndNotRemembered() throws Exception {
        byte[] big = messageOfSize("big", "conv_123", 1_047_000);
        Path saved = Files.createTempDirectory("router-state-copy");
        try (RouterDriver router = routerWithLimit(ONE_MIB)) {
            router.sendRaw("user_123", big);
            router.send(Messages.text("next", "user_123", "user_456", "conv_123", T0.toEpochMilli()));

            List<TestRecord<String, byte[]>> letters = router.deadLetters();
            assertThat(letters).extracting(RouterDriver::reasonOf).containsExactly("TOO_LARGE");
            assertThat(letters.get(0).value()).isEqualTo(big);
            assertThat(DeadLetterHeaders.longValue(letters.get(0).headers(), DeadLetterHeaders.DLT_ORIGINAL_OFFSET))
                    .as("decided before any repartition: the original coordinates").isZero();
            assertThat(router.tasks()).extracting(kv -> Tasks.persistPayload(kv.value).message().messageId() + "@"
                    + Tasks.persistPayload(kv.value).seq()).containsExactly("next@1");
            assertThat(router.remembers("user_123", "big")).isFalse();
            assertThat(router.metrics.value(Outcome.INVALID, "TOO_LARGE")).isEqualTo(1);
            DeduplicationTest.copy(stateDir, saved);
        }
        // Replayed once the limit is raised: routed, not dropped as a duplicate.
        DeduplicationTest.copy(saved, stateDir);
        try (RouterDriver raised = new RouterDriver(stateDir)) {
            RecordHeaders replay = new RecordHeaders();
            replay.add(ImHeaders.REPLAY_COUNT, "1".getBytes(StandardCharsets.UTF_8));
            raised.sendRaw("user_123", big, replay);

            assertThat(raised.deadLetters()).isEmpty();
            assertThat(raised.tasks()).extracting(kv -> Tasks.persistPayload(kv.value).message().messageId() + "@"
                    + Tasks.persistPayload(kv.value).seq()).containsExactly("big@2");
        }
    }

    /**
     * What depends on the route is measured when the outputs are built: here a group batch listing many long ids.
     * It is dead-lettered before the seq is stored, so the conversation goes on at the next number.
     */
    @Test
    void groupBatchOverTheLimitIsDeadLetteredWithoutTakingASeq() {
        RouterProperties properties = RouterProperties.defaults().withSmallGroupMax(5_000);
        List<String> members = IntStream.range(0, 2_000).mapToObj(i -> "member_" + "m".repeat(100) + i).toList();
        try (RouterDriver router = new RouterDriver(stateDir, properties, TaskKeyStrategy.TASK_TYPE,
                Clock.fixed(T0, ZoneOffset.UTC), null, RecordSizeGuard.forMaxRequestSize(16 * 1024))) {
            router.group("big", members);
            router.send(Messages.text("first", "alice", "bob", "conv_mixed", T0.toEpochMilli()));
            router.send(new UpstreamMessage("batch", members.get(0), null, "conv_mixed", "hi", "text", Map.of(),
                    "gateway_001", null, T0.toEpochMilli(), "1.0", "big", null));
            router.send(Messages.text("second", "alice", "bob", "conv_mixed", T0.toEpochMilli()));

            List<TestRecord<String, byte[]>> letters = router.deadLetters();
            assertThat(letters).extracting(RouterDriver::reasonOf).containsExactly("TOO_LARGE");
            assertThat(DeadLetterHeaders.text(letters.get(0).headers(), DeadLetterHeaders.DLT_EXCEPTION_MESSAGE))
                    .contains("im-routed-topic").contains("over the router's record limit");
            assertThat(router.tasks()).extracting(kv -> Tasks.persistPayload(kv.value).message().messageId() + "@"
                    + Tasks.persistPayload(kv.value).seq()).containsExactly("first@1", "second@2");
            assertThat(router.routed()).extracting(kv -> kv.value.message().messageId())
                    .containsOnly("first", "second");
            assertThat(router.metrics.value(Outcome.ROUTED)).isEqualTo(2);
        }
    }

    /**
     * Kafka Streams carries a record's headers to every record it derives: headers too large to carry are a
     * {@code TOO_LARGE} message, and its dead letter keeps only the dead-letter headers.
     */
    @Test
    void recordWithHeadersTooLargeToCarryIsDeadLetteredTooLargeWithoutThem() {
        byte[] value = Messages.bytes(Messages.text("heavy", "alice", "bob", "conv_ab", T0.toEpochMilli()));
        RecordHeaders headers = new RecordHeaders();
        headers.add("x-junk", new byte[3 * ONE_MIB]);
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.sendRaw("alice", value, headers);
            router.send(Messages.text("next", "alice", "bob", "conv_ab", T0.toEpochMilli()));

            List<TestRecord<String, byte[]>> letters = router.deadLetters();
            assertThat(letters).extracting(RouterDriver::reasonOf).containsExactly("TOO_LARGE");
            TestRecord<String, byte[]> letter = letters.get(0);
            assertThat(letter.headers().lastHeader("x-junk")).isNull();
            assertThat(letter.value()).isEqualTo(value);
            assertThat(DeadLetterHeaders.text(letter.headers(), DeadLetterHeaders.DLT_EXCEPTION_MESSAGE))
                    .contains("1 original headers dropped");
            assertThat(router.tasks()).extracting(kv -> Tasks.persistPayload(kv.value).message().messageId())
                    .containsExactly("next");
        }
    }

    /**
     * A compressing producer can put a record of many megabytes on the topic (the broker limits the compressed
     * batch). Its dead letter cannot be written whole: it is cut to fit, and says so.
     */
    @Test
    void deadLetterOverTheLimitIsCutToFitAndSaysSo() {
        byte[] huge = new byte[5 * ONE_MIB];
        Arrays.fill(huge, (byte) 'a');
        RecordSizeGuard guard = RecordSizeGuard.forMaxRequestSize(2 * ONE_MIB);
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.sendRaw("mallory", huge);
            router.send(Messages.text("next", "alice", "bob", "conv_ab", T0.toEpochMilli()));

            List<TestRecord<String, byte[]>> letters = router.deadLetters();
            assertThat(letters).extracting(RouterDriver::reasonOf).containsExactly("TOO_LARGE");
            TestRecord<String, byte[]> letter = letters.get(0);
            assertThat(RecordSizeGuard.sizeOf(letter.key(), letter.value(), letter.headers()))
                    .isLessThanOrEqualTo(guard.limit()).isGreaterThan(guard.limit() - 16);
            assertThat(huge).startsWith(letter.value());
            assertThat(letter.key()).isEqualTo("mallory");
            assertThat(DeadLetterHeaders.text(letter.headers(), DeadLetterHeaders.DLT_EXCEPTION_MESSAGE))
                    .contains("dead letter cut to fit").contains("value " + huge.length + " bytes");
            assertThat(DeadLetterHeaders.longValue(letter.headers(), DeadLetterHeaders.DLT_ORIGINAL_OFFSET)).isZero();
            assertThat(router.metrics.deadLettersCut()).isEqualTo(1);
            assertThat(router.tasks()).extracting(kv -> Tasks.persistPayload(kv.value).message().messageId())
                    .containsExactly("next");
        }
    }
}
