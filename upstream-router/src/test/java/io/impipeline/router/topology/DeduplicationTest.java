package io.impipeline.router.topology;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.router.metrics.RouterMetrics.Outcome;
import io.impipeline.testkit.Messages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.impipeline.router.topology.RouterDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

class DeduplicationTest {

    @TempDir
    Path stateDir;

    private static UpstreamMessage message() {
        return Messages.text("msg_1", "alice", "bob", "conv_ab", T0.toEpochMilli());
    }

    @Test
    void duplicateIsDroppedWithinWindowAndCounted() {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.send(message());
            router.sendAt(message(), T0.plus(Duration.ofHours(23)));

            assertThat(router.routed()).hasSize(2); // recipient + sender sync copy, once
            assertThat(router.tasks()).hasSize(1);
            assertThat(router.metrics.value(Outcome.DUPLICATE)).isEqualTo(1);
        }
    }

    @Test
    void sameMessageIdFromAnotherSenderIsNotADuplicate() {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.send(message());
            router.send(Messages.text("msg_1", "carol", "bob", "conv_cb", T0.toEpochMilli()));

            assertThat(router.tasks()).hasSize(2);
        }
    }

    @Test
    void repeatAfterTheWindowIsRoutedAgain() {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.send(message());
            router.sendAt(message(), T0.plus(Duration.ofHours(49)));

            assertThat(router.tasks()).hasSize(2);
        }
    }

    @Test
    void recordKeyedOtherThanBySenderIsStillDeduplicated() {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.send(message());
            router.sendRaw(null, Messages.bytes(message()));
            router.sendRaw("gateway-chose-this", Messages.bytes(message()));

            assertThat(router.tasks()).hasSize(1);
            assertThat(router.metrics.value(Outcome.DUPLICATE)).isEqualTo(2);
        }
    }

    @Test
    void duplicateIsDroppedAfterRestartOnTheSameStateDirectory() throws IOException {
        Path saved = Files.createTempDirectory("router-state-copy");
        try (RouterDriver first = new RouterDriver(stateDir)) {
            first.send(message());
            assertThat(first.tasks()).hasSize(1);
            // TopologyTestDriver deletes its state directory on close (a real app keeps it): keep a copy to put back.
            copy(stateDir, saved);
        }
        copy(saved, stateDir);
        try (RouterDriver second = new RouterDriver(stateDir)) {
            second.send(message());

            assertThat(second.tasks()).isEmpty();
            assertThat(second.metrics.value(Outcome.DUPLICATE)).isEqualTo(1);
        }
    }

    static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else if (!source.getFileName().toString().equals(".lock")) {
                    Files.copy(source, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
