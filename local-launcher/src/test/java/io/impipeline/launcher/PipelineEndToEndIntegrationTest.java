package io.impipeline.launcher;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.impipeline.simulator.DeliveryChecker;
import io.impipeline.simulator.ProgressLine;
import io.impipeline.simulator.Simulation;
import io.impipeline.simulator.SimulationSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole pipeline as in production, on one machine: a KRaft broker process, PostgreSQL, the four apps each in its
 * own JVM with its own application.yml, and the gateway simulator checking every delivery.
 */
class PipelineEndToEndIntegrationTest {

    static final String TOKEN = "e2e-token";
    static LocalPipeline pipeline;

    @BeforeAll
    static void startPipeline() throws Exception {
        Path repository = Path.of("").toAbsolutePath().getParent();
        Path data = Files.createTempDirectory("im-e2e");
        LocalPipeline.Options options = new LocalPipeline.Options(repository, data, freePortPair(), 0, TOKEN, "256m",
                true, List.of("--im.router.small-group-max=10"), Duration.ofMinutes(4), 10_000);
        pipeline = LocalPipeline.start(options, System.out);
    }

    @AfterAll
    static void stopPipeline() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    /** A port for the broker whose successor (the controller's port) is free too. */
    static int freePortPair() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            try (ServerSocket next = new ServerSocket(port + 1)) {
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free port pair");
    }

    @Test
    void simulatedGatewaysReceiveEveryMessageOnceInOrderWithDuplicatesBadRecordsScheduledAndALargeGroup()
            throws InterruptedException {
        SimulationSettings settings = new SimulationSettings(pipeline.bootstrapServers(), "", 2, 60, 2, 0.15, 4, 3, 30,
                0.25, 20, Duration.ofSeconds(15), 100, 0.05, 0.03, 0.03, Duration.ofSeconds(5),
                Duration.ofSeconds(60), true, 7, 0);
        DeliveryChecker.Summary summary = new Simulation(settings)
                .run(p -> System.out.println(ProgressLine.of(p)), Duration.ofSeconds(3));
        System.out.print(summary.render());
        assertThat(summary.failures()).isEmpty();
        assertThat(summary.progress().delivered()).isPositive();
        assertThat(summary.progress().badSent()).isPositive();
        assertThat(summary.progress().duplicatesSent()).isPositive();
        assertThat(summary.progress().pushes()).isPositive();
        assertThat(summary.scheduledMessages()).isPositive();
    }
}
