package io.impipeline.router.topology;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.impipeline.model.codec.Tasks;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.router.metrics.RouterMetrics.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.impipeline.router.topology.RouterDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

class SchedulingTest {

    @TempDir
    Path stateDir;

    private static UpstreamMessage scheduled(String id, Duration ahead) {
        return new UpstreamMessage(id, "alice", "bob", "conv_ab", "later", "text", Map.of(), "gateway_001", null,
                T0.toEpochMilli(), "1.0", null, T0.plus(ahead).toEpochMilli());
    }

    @Test
    void scheduledMessageIsReleasedWhenWallClockReachesItsTimeNotBefore() {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.send(scheduled("m1", Duration.ofSeconds(10)));
            assertThat(router.tasks()).isEmpty();
            assertThat(router.metrics.value(Outcome.SCHEDULED)).isEqualTo(1);

            router.advanceWallClock(Duration.ofSeconds(9));
            assertThat(router.routed()).isEmpty();

            router.advanceWallClock(Duration.ofSeconds(1));
            assertThat(router.routed()).extracting(kv -> kv.key).containsExactly("bob", "alice");
            assertThat(router.metrics.value(Outcome.RELEASED)).isEqualTo(1);
        }
    }

    @Test
    void heldMessagesAreReleasedInDueOrder() {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.send(scheduled("late", Duration.ofSeconds(30)));
            router.send(scheduled("early", Duration.ofSeconds(5)));
            router.send(scheduled("middle", Duration.ofSeconds(20)));

            router.advanceWallClock(Duration.ofMinutes(1));

            assertThat(router.tasks()).extracting(kv -> Tasks.persistPayload(kv.value).message().messageId() + "@"
                    + Tasks.persistPayload(kv.value).seq()).containsExactly("early@1", "middle@2", "late@3");
        }
    }

    @Test
    void deliverAtInThePastIsRoutedAtOnce() {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.send(scheduled("m1", Duration.ofSeconds(-5)));

            assertThat(router.tasks()).hasSize(1);
        }
    }

    @Test
    void heldMessageSurvivesARestart() throws IOException {
        Path saved = Files.createTempDirectory("router-state-copy");
        try (RouterDriver first = new RouterDriver(stateDir)) {
            first.send(scheduled("m1", Duration.ofSeconds(10)));
            DeduplicationTest.copy(stateDir, saved);
        }
        DeduplicationTest.copy(saved, stateDir);
        try (RouterDriver second = new RouterDriver(stateDir)) {
            second.advanceWallClock(Duration.ofSeconds(11));

            assertThat(second.tasks()).extracting(kv -> Tasks.persistPayload(kv.value).message().messageId())
                    .containsExactly("m1");
        }
    }
}
