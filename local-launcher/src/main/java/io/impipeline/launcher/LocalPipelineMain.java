package io.impipeline.launcher;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.impipeline.simulator.DeliveryChecker;
import io.impipeline.simulator.GatewaySimulatorMain;
import io.impipeline.simulator.ProgressLine;
import io.impipeline.simulator.Simulation;
import io.impipeline.simulator.SimulationSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./run-local}: the whole pipeline on this machine, with simulated gateways; Ctrl-C stops everything. */
@Command(name = "run-local", mixinStandardHelpOptions = true,
        description = "Runs Kafka, PostgreSQL, the four apps (each its own JVM) and simulated gateways locally.")
public final class LocalPipelineMain implements Callable<Integer> {

    @Option(names = "--duration", defaultValue = "60s", description = "how long the simulator sends (default ${DEFAULT-VALUE})")
    String duration;
    @Option(names = "--rate", defaultValue = "20", description = "messages per second (default ${DEFAULT-VALUE})")
    int rate;
    @Option(names = "--users", defaultValue = "200") int users;
    @Option(names = "--gateways", defaultValue = "3") int gateways;
    @Option(names = "--infra-only", description = "start only Kafka and PostgreSQL (run the apps from your IDE)")
    boolean infraOnly;
    @Option(names = "--no-simulator", description = "start the pipeline without traffic")
    boolean noSimulator;
    @Option(names = "--exit", description = "stop after the simulation; exit code 0 when every check passed")
    boolean exitAfterSimulation;
    @Option(names = "--kafka-port", defaultValue = "9092") int kafkaPort;
    @Option(names = "--postgres-port", defaultValue = "15432") int postgresPort;
    @Option(names = "--port-offset", defaultValue = "0", description = "added to the apps' ports 8081..8084")
    int portOffset;
    @Option(names = "--service-token", defaultValue = "local-dev-token") String serviceToken;
    @Option(names = "--app-memory", defaultValue = "384m", description = "-Xmx of each app") String appMemory;
    @Option(names = "--data-dir", defaultValue = ".local", description = "wiped at start") Path dataDirectory;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LocalPipelineMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        LocalPipeline.Options options = new LocalPipeline.Options(Path.of("").toAbsolutePath(), dataDirectory,
                kafkaPort, postgresPort, serviceToken, appMemory, !infraOnly, List.of(), Duration.ofMinutes(4), portOffset);
        LocalPipeline pipeline = LocalPipeline.start(options, System.out);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nstopping: apps, then Kafka and PostgreSQL ...");
            pipeline.close();
            System.out.println("stopped; nothing is left running.");
            stopped.countDown();
        }));
        if (infraOnly) {
            System.out.println("\nKafka: " + pipeline.bootstrapServers() + "   PostgreSQL: " + pipeline.jdbcUrl()
                    + " (user postgres, password postgres)");
            System.out.println("Start the apps from your IDE with KAFKA_BOOTSTRAP_SERVERS, IM_DB_URL, IM_DB_USER, "
                    + "IM_DB_PASSWORD, IM_SERVICE_TOKEN and --im.topics.replication-factor=1. Ctrl-C stops.");
            stopped.await();
            return 0;
        }
        System.out.println(pipeline.banner());
        int result = 0;
        if (!noSimulator) {
            SimulationSettings settings = SimulationSettings.builder(pipeline.bootstrapServers())
                    .gateways(gateways).users(users).rate(rate).duration(GatewaySimulatorMain.duration(duration))
                    .seed(System.nanoTime())
                    .workerUrl(pipeline.url("task-worker")).serviceToken(serviceToken)
                    .build();
            System.out.println("simulated gateways: " + gateways + " gateways, " + users + " users, " + rate
                    + " messages/s for " + duration + "\n");
            DeliveryChecker.Summary summary = new Simulation(settings).run(
                    p -> System.out.println(ProgressLine.of(p)), Duration.ofSeconds(2));
            System.out.println();
            System.out.print(summary.render());
            result = summary.passed() ? 0 : 1;
        }
        if (exitAfterSimulation) {
            return result;
        }
        System.out.println("\nThe pipeline keeps running; Ctrl-C stops everything (apps, then Kafka and PostgreSQL).");
        stopped.await();
        return result;
    }
}
