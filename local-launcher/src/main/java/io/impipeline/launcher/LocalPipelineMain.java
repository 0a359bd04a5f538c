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
import io.impipeline.simulator.TrafficProfile;
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
    @Option(names = "--users", description = "simulated users (default: the profile's, 200 or 400 for mixed)")
    Integer users;
    @Option(names = "--profile", defaultValue = "DEFAULT", converter = ProfileConverter.class,
            description = "traffic: default, or mixed (60 %% single chat online, 15 %% offline, 20 %% 10-member groups, "
                    + "5 %% a 300-member group)")
    TrafficProfile profile;
    @Option(names = "--brokers", defaultValue = "1",
            description = "Kafka nodes: 1, or 3 like production (replication 3, min.insync.replicas 2)")
    int brokers;
    @Option(names = "--instances", defaultValue = "1",
            description = "instances of the router and the dispatcher (2: standby replicas, queries forwarded)")
    int instances;
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

    /** {@code --profile=mixed} as well as {@code MIXED}. */
    static final class ProfileConverter implements CommandLine.ITypeConverter<TrafficProfile> {
        @Override
        public TrafficProfile convert(String value) {
            return TrafficProfile.valueOf(value.trim().toUpperCase());
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new LocalPipelineMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (brokers != 1 && brokers != 3) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--brokers must be 1 or 3");
        }
        if (instances < 1 || instances > 2) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--instances must be 1 or 2");
        }
        LocalPipeline.Options options = new LocalPipeline.Options(Path.of("").toAbsolutePath(), dataDirectory,
                kafkaPort, postgresPort, serviceToken, appMemory, !infraOnly, List.of(), Duration.ofMinutes(4),
                portOffset, brokers, instances);
        LocalPipeline pipeline = LocalPipeline.start(options, System.out);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (!pipeline.isClosed()) {
                System.out.println("\nstopping: apps, then Kafka and PostgreSQL ...");
                pipeline.close();
                System.out.println("stopped; nothing is left running.");
            }
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
            SimulationSettings.Builder builder = SimulationSettings.builder(pipeline.bootstrapServers())
                    .profile(profile).gateways(gateways).rate(rate).duration(GatewaySimulatorMain.duration(duration))
                    .seed(System.nanoTime())
                    .workerUrl(pipeline.url("task-worker")).serviceToken(serviceToken);
            if (users != null) {
                builder.users(users);
            }
            SimulationSettings settings = builder.build();
            System.out.println("simulated gateways: " + gateways + " gateways, " + settings.users() + " users, "
                    + profile.name().toLowerCase() + " traffic, " + rate + " messages/s for " + duration + "\n");
            DeliveryChecker.Summary summary = new Simulation(settings).run(
                    p -> System.out.println(ProgressLine.of(p)), Duration.ofSeconds(2));
            System.out.println();
            System.out.print(summary.render());
            result = summary.passed() ? 0 : 1;
        }
        if (exitAfterSimulation) {
            // An orderly stop here rather than in the shutdown hook (which then finds everything stopped).
            System.out.println("\nstopping: apps, then Kafka and PostgreSQL ...");
            pipeline.close();
            System.out.println("stopped; nothing is left running.");
            return result;
        }
        System.out.println("\nThe pipeline keeps running; Ctrl-C stops everything (apps, then Kafka and PostgreSQL).");
        stopped.await();
        return result;
    }
}
