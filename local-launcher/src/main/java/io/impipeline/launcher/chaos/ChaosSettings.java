package io.impipeline.launcher.chaos;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.impipeline.launcher.LocalPipeline;
import io.impipeline.simulator.SimulationSettings;
import io.impipeline.simulator.TrafficProfile;

/**
 * What every chaos scenario shares: where the pipeline runs (ports chosen so that nothing collides with
 * {@code ./run-local}: Kafka from 19092, PostgreSQL 25432, apps at 8081..8084 + 1000), the traffic (the simulator's
 * mixed profile at {@code rate} for {@code seconds}), and when faults happen.
 *
 * @param repository    the repository root
 * @param dataDirectory each scenario's pipeline gets {@code dataDirectory/<scenario>} (wiped when it starts)
 * @param rate          messages per second of the mixed traffic in every scenario but the overload
 * @param seconds       traffic time of a scenario (longer where the fault needs it: see each scenario)
 * @param overloadRate  messages per second of the overload scenario (twice the saturation rate)
 * @param restartAfter  how long a killed app stays dead before it is started again
 * @param gatewayTimeout {@code im.dispatcher.gateway-timeout} given to the pipeline of the silent-gateway scenario
 * @param seed          of the simulator's random choices (each run adds its own offset)
 */
public record ChaosSettings(Path repository, Path dataDirectory, int kafkaPort, int postgresPort, int portOffset,
                            String appMemory, String serviceToken, int rate, Duration seconds, int overloadRate,
                            Duration restartAfter, Duration gatewayTimeout, long seed) {

    public static final int DEFAULT_KAFKA_PORT = 19092;
    public static final int DEFAULT_POSTGRES_PORT = 25432;
    public static final int DEFAULT_PORT_OFFSET = 1000;
    public static final int DEFAULT_RATE = 50;
    public static final Duration DEFAULT_SECONDS = Duration.ofSeconds(60);
    public static final int DEFAULT_OVERLOAD_RATE = 600;
    public static final Duration DEFAULT_RESTART_AFTER = Duration.ofSeconds(3);
    public static final Duration DEFAULT_GATEWAY_TIMEOUT = Duration.ofSeconds(30);
    /** How long each app may take to say UP when a pipeline starts (a busy two-core machine needs minutes). */
    public static final Duration START_TIMEOUT = Duration.ofMinutes(8);
    /** How long the simulator waits for outstanding deliveries after sending stops (faults delay them). */
    public static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(3);
    /** How long the simulator waits for the last rows in PostgreSQL after the deliveries are complete. */
    public static final Duration PERSIST_GRACE = Duration.ofSeconds(90);

    /** When, after the first message is sent, the fault of a run happens: a third of the way, at least 5 s. */
    public Duration faultDelay(Duration traffic) {
        Duration third = traffic.dividedBy(3);
        return third.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : third;
    }

    /** The pipeline of one scenario: its own data directory, the given shape, the chaos ports. */
    public LocalPipeline startPipeline(String name, int brokers, int instances, List<String> appArguments,
                                       PrintStream log) throws IOException, InterruptedException {
        LocalPipeline.Options options = new LocalPipeline.Options(repository, dataDirectory.resolve(name), kafkaPort,
                postgresPort, serviceToken, appMemory, true, new ArrayList<>(appArguments), START_TIMEOUT,
                portOffset, brokers, instances);
        return LocalPipeline.start(options, log);
    }

    /** The simulator's mixed traffic against {@code pipeline} at {@code rate} for {@code traffic}, every check on. */
    public SimulationSettings.Builder traffic(LocalPipeline pipeline, int messagesPerSecond, Duration traffic,
                                              long runSeed) {
        return SimulationSettings.builder(pipeline.bootstrapServers())
                .profile(TrafficProfile.MIXED)
                .rate(messagesPerSecond).duration(traffic)
                .drainTimeout(DRAIN_TIMEOUT).persistGrace(PERSIST_GRACE)
                .seed(seed + runSeed)
                .workerUrl(pipeline.url("task-worker")).serviceToken(pipeline.serviceToken());
    }
}
