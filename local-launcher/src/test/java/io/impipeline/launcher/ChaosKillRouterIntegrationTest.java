package io.impipeline.launcher;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.impipeline.launcher.chaos.AppKillScenario;
import io.impipeline.launcher.chaos.DeliveryWatch;
import io.impipeline.launcher.chaos.Outcome;
import io.impipeline.simulator.SimulationSettings;
import io.impipeline.simulator.TrafficProfile;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shortest chaos scenario in the suite (bench/chaos --scenarios=1-router at CI scale): the whole pipeline as the
 * end-to-end test launches it, small mixed traffic, the router killed with -9 and restarted 3 s later. Nothing may
 * be lost or duplicated and seq must stay gap-free (the simulator's checks), and new messages must reach their
 * gateways again within {@link #RECOVERY_BOUND}. The bound only says that delivery resumes at all (it is no speed
 * target: those are measured by bench/chaos, which holds it to 10 s): the restarted router is a new JVM, and on a
 * busy two-core machine Spring and Kafka Streams alone took 22 s to start (so static membership's 10 s session had
 * expired), the whole recovery 31 to 44 s; the measured time is printed.
 */
class ChaosKillRouterIntegrationTest {

    static final String TOKEN = "chaos-it-token";
    static final Duration RECOVERY_BOUND = Duration.ofMinutes(3);

    @Test
    void theRouterKilledWithMinus9AndRestartedLosesNothingDuplicatesNothingAndRecovers() throws Exception {
        Path repository = Path.of("").toAbsolutePath().getParent();
        Path data = Files.createTempDirectory("im-chaos");
        LocalPipeline.Options options = new LocalPipeline.Options(repository, data, freePortPair(), 0, TOKEN, "256m",
                true, List.of("--im.router.small-group-max=10"), Duration.ofMinutes(4), 11_000);
        boolean passed = false;
        try (LocalPipeline pipeline = LocalPipeline.start(options, System.out);
             DeliveryWatch watch = DeliveryWatch.start(pipeline.bootstrapServers())) {
            SimulationSettings traffic = SimulationSettings.builder(pipeline.bootstrapServers())
                    .profile(TrafficProfile.MIXED)
                    .gateways(2).users(60).maxDevices(2).offlineShare(0.15).churnUsers(4)
                    .smallGroups(3).largeGroupSize(30)
                    .rate(20).duration(Duration.ofSeconds(25))
                    .drainTimeout(Duration.ofSeconds(90)).persistGrace(Duration.ofSeconds(60)).seed(13)
                    .workerUrl(pipeline.url("task-worker")).serviceToken(TOKEN)
                    .build();

            Outcome outcome = AppKillScenario.killAndRestart(pipeline, watch, traffic, "1-router", "upstream-router",
                    Duration.ofSeconds(8), Duration.ofSeconds(3), RECOVERY_BOUND, "1 broker, 1 instance", System.out);

            System.out.println(outcome.line());
            System.out.println("time to recover: " + (outcome.recovery() == null ? "never"
                    : outcome.recovery().toMillis() + " ms") + " (" + outcome.recoveryMeans() + "); "
                    + outcome.detail());
            assertThat(outcome.extraFailures()).as("the fault itself").isEmpty();
            assertThat(outcome.counts().lost()).as(outcome.report()).isZero();
            assertThat(outcome.counts().duplicated()).as(outcome.report()).isZero();
            assertThat(outcome.counts().seqGaps()).as(outcome.report()).isZero();
            assertThat(outcome.checksPassed()).as(outcome.report()).isTrue();
            assertThat(outcome.recovery()).as("deliveries of messages sent after the kill").isNotNull()
                    .isLessThanOrEqualTo(RECOVERY_BOUND);
            passed = true;
        } finally {
            if (passed) {
                delete(data);
            } else {
                System.out.println("pipeline data and logs kept in " + data);
            }
        }
    }

    private static void delete(Path directory) throws IOException {
        try (java.util.stream.Stream<Path> paths = Files.walk(directory)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
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
}
