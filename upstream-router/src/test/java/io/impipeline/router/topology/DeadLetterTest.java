package io.impipeline.router.topology;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.Tasks;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.router.settings.RouterProperties;
import io.impipeline.testkit.Messages;
import io.impipeline.testkit.MutableClock;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.kafka.support.KafkaHeaders;

import static io.impipeline.router.topology.RouterDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

class DeadLetterTest {

    @TempDir
    Path stateDir;

    private static byte[] altered(Consumer<Map<String, Object>> change) {
        Map<String, Object> json = new LinkedHashMap<>(Messages.textJson());
        change.accept(json);
        return Messages.bytes(json);
    }

    static Stream<Arguments> badRecords() {
        return Stream.of(
                Arguments.of("EMPTY_RECORD", new byte[0]),
                Arguments.of("INVALID_ENCODING", new byte[]{(byte) 0xC3, (byte) 0x28}),
                Arguments.of("MALFORMED_JSON", "{\"message_id\":".getBytes(StandardCharsets.UTF_8)),
                Arguments.of("MISSING_FIELD", altered(m -> m.remove("from_user_id"))),
                Arguments.of("INVALID_FIELD", altered(m -> m.put("message_type", "hologram"))),
                Arguments.of("TOO_LARGE", altered(m -> m.put("content", "x".repeat(70_000)))),
                Arguments.of("UNSUPPORTED_VERSION", altered(m -> m.put("version", "9.9"))),
                Arguments.of("SCHEDULE_TOO_FAR", altered(m -> m.put("deliver_at",
                        T0.plus(Duration.ofDays(31)).toEpochMilli()))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRecords")
    void badRecordGoesToTheDlqWithItsReasonAndTheStreamGoesOn(String reason, byte[] value) {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.sendRaw("user_123", value);
            router.send(Messages.text("ok", "alice", "bob", "conv_ab", T0.toEpochMilli()));

            List<TestRecord<String, byte[]>> letters = router.deadLetters();
            assertThat(letters).hasSize(1);
            TestRecord<String, byte[]> letter = letters.get(0);
            assertThat(RouterDriver.reasonOf(letter)).isEqualTo(reason);
            assertThat(letter.key()).isEqualTo("user_123");
            assertThat(letter.value()).isEqualTo(value);
            assertThat(DeadLetterHeaders.text(letter.headers(), ImHeaders.DLT_STAGE)).isEqualTo("upstream-router");
            assertThat(DeadLetterHeaders.text(letter.headers(), KafkaHeaders.DLT_ORIGINAL_TOPIC))
                    .isEqualTo("im-upstream-topic");
            assertThat(DeadLetterHeaders.longValue(letter.headers(), KafkaHeaders.DLT_ORIGINAL_OFFSET)).isZero();
            assertThat(router.metrics.value(io.impipeline.router.metrics.RouterMetrics.Outcome.INVALID, reason))
                    .isEqualTo(1);
            assertThat(router.tasks()).hasSize(1);
        }
    }

    @Test
    void exceptionWhileProcessingBecomesAProcessingErrorDeadLetterAndTheStreamGoesOn() {
        FailingClock clock = new FailingClock();
        try (RouterDriver router = new RouterDriver(stateDir, RouterProperties.defaults(), TaskKeyStrategy.TASK_TYPE,
                clock, null)) {
            clock.failing = true;
            router.send(Messages.text("boom", "alice", "bob", "conv_ab", T0.toEpochMilli()));
            clock.failing = false;
            router.send(Messages.text("ok", "alice", "bob", "conv_ab", T0.toEpochMilli()));

            List<TestRecord<String, byte[]>> letters = router.deadLetters();
            assertThat(letters).extracting(RouterDriver::reasonOf).containsExactly("PROCESSING_ERROR");
            assertThat(DeadLetterHeaders.text(letters.get(0).headers(), KafkaHeaders.DLT_EXCEPTION_FQCN))
                    .isEqualTo(IllegalStateException.class.getName());
            // After the repartition the original coordinates are gone; the value is the re-encoded message.
            assertThat(DeadLetterHeaders.longValue(letters.get(0).headers(), KafkaHeaders.DLT_ORIGINAL_OFFSET))
                    .isEqualTo(-1);
            assertThat(WireJson.mapper().readTree(letters.get(0).value()).get("message_id").stringValue())
                    .isEqualTo("boom");
            assertThat(router.tasks()).extracting(kv -> kv.value.taskId()).containsExactly("persist:alice:ok");
        }
    }

    /** Issue 12: seq used to be stored before the route was built, so a failing route left a gap. */
    @Test
    void messageThatFailsToRouteTakesNoSeqSoTheConversationHasNoGap() {
        FailingClock clock = new FailingClock();
        try (RouterDriver router = new RouterDriver(stateDir, RouterProperties.defaults(), TaskKeyStrategy.TASK_TYPE,
                clock, null)) {
            router.send(Messages.text("first", "alice", "bob", "conv_ab", T0.toEpochMilli()));
            clock.failing = true;
            router.send(Messages.text("boom", "alice", "bob", "conv_ab", T0.toEpochMilli()));
            clock.failing = false;
            router.send(Messages.text("second", "alice", "bob", "conv_ab", T0.toEpochMilli()));

            assertThat(router.deadLetters()).extracting(RouterDriver::reasonOf).containsExactly("PROCESSING_ERROR");
            assertThat(router.tasks()).extracting(kv -> Tasks.persistPayload(kv.value).message().messageId() + "@"
                    + Tasks.persistPayload(kv.value).seq()).containsExactly("first@1", "second@2");
            assertThat(router.routed()).extracting(kv -> kv.value.message().messageId() + "@" + kv.value.seq())
                    .containsExactly("first@1", "first@1", "second@2", "second@2");
            assertThat(router.metrics.value(io.impipeline.router.metrics.RouterMetrics.Outcome.FAILED)).isEqualTo(1);
        }
    }

    /** A clock that throws on demand: the route step reads it. */
    static final class FailingClock extends MutableClock {
        volatile boolean failing;

        FailingClock() {
            super(T0);
        }

        @Override
        public Instant instant() {
            if (failing) {
                throw new IllegalStateException("clock failure injected by the test");
            }
            return super.instant();
        }
    }
}
