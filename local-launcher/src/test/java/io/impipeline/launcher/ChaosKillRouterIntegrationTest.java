package io.impipeline.launcher;

import java.time.Duration;

import io.impipeline.launcher.chaos.AppKillScenario;
import io.impipeline.launcher.chaos.DeliveryWatch;
import io.impipeline.launcher.chaos.Outcome;
import io.impipeline.simulator.SimulationSettings;
import io.impipeline.simulator.TrafficProfile;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shortest chaos scenario in the suite (bench/chaos --scenarios=1-router at CI scale): the launched pipeline the
 * other system tests share ({@link LaunchedPipeline}), small mixed traffic, the router killed with -9 and restarted 3
 * s later. Nothing may be lost or duplicated and seq must stay gap-free (the simulator's checks), and new messages
 * must reach their gateways again within {@link #RECOVERY_BOUND}. The bound only says that delivery resumes at all (it
 * is no speed target: those are measured by bench/chaos, which holds it to 10 s): the restarted router is a new JVM,
 * and on a busy two-core machine Spring and Kafka Streams alone took 22 s to start (so static membership's 10 s
 * session had expired), the whole recovery 31 to 44 s; the measured time is printed.
 */
@ExtendWith(LaunchedPipeline.class)
@Order(3) // last on the shared pipeline: it kills the router
class ChaosKillRouterIntegrationTest {

    static final Duration RECOVERY_BOUND = Duration.ofMinutes(3);

    @Test
    void theRouterKilledWithMinus9AndRestartedLosesNothingDuplicatesNothingAndRecovers(LocalPipeline pipeline)
            throws Exception {
        try (DeliveryWatch watch = DeliveryWatch.start(pipeline.bootstrapServers())) {
            SimulationSettings traffic = SimulationSettings.builder(pipeline.bootstrapServers())
                    .profile(TrafficProfile.MIXED)
                    .gateways(2).users(60).maxDevices(2).offlineShare(0.15).churnUsers(4)
                    .smallGroups(3).largeGroupSize(30)
                    .rate(20).duration(Duration.ofSeconds(25))
                    .drainTimeout(Duration.ofSeconds(90)).persistGrace(Duration.ofSeconds(60)).seed(13)
                    .workerUrl(pipeline.url("task-worker")).serviceToken(LaunchedPipeline.TOKEN)
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
        }
    }
}
