package io.impipeline.launcher.containers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import com.github.dockerjava.api.DockerClient;
import io.impipeline.simulator.DeliveryChecker;
import io.impipeline.simulator.ProgressLine;
import io.impipeline.simulator.Simulation;
import io.impipeline.simulator.SimulationSettings;
import io.impipeline.simulator.TrafficProfile;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 13, where Docker exists: the production shape as containers. Three KRaft Kafka nodes (broker and controller
 * each, {@code apache/kafka} as in {@code infra/docker-compose.yml}: replication 3, {@code min.insync.replicas=2},
 * no automatic topic creation), PostgreSQL 17, and the four apps as the images {@code infra/docker/<app>.Dockerfile}
 * builds from each module's exec jar. The gateway simulator sends mixed traffic from the test JVM and checks every
 * delivery, push, seq and history row while the router is killed with {@code docker kill --signal=KILL} (restarted
 * 3 s later) and one broker is stopped (started again 30 s later). Nothing may be lost or duplicated.
 *
 * <p><strong>Skipped without Docker</strong> ({@code disabledWithoutDocker}): on the project's build machines and in
 * CI, which have no Docker engine, it is compiled and reported as skipped. It has never run there. Needs the exec jars
 * ({@code ./mvnw -DskipTests package}); see docs/containers.md.
 */
@Testcontainers(disabledWithoutDocker = true)
class ProductionShapeContainersIntegrationTest {

    /** The images infra/ uses (docker-compose.yml). */
    static final String KAFKA_IMAGE = "apache/kafka:4.1.2";
    static final String POSTGRES_IMAGE = "postgres:17";
    static final String VERSION = "0.1.0-SNAPSHOT";
    static final String TOKEN = "containers-token";
    static final String DB_PASSWORD = "im-containers-password";
    /** Each node's listener for the other containers (KafkaContainer's BROKER listener), by network alias. */
    static final String INTERNAL_BOOTSTRAP = "kafka-1:9093,kafka-2:9093,kafka-3:9093";
    static final Map<String, Integer> PORTS = Map.of("upstream-router", 8081, "downstream-dispatcher", 8082,
            "task-worker", 8083, "dlq-handler", 8084);

    static Path repository;
    static Path logs;
    static Network network;
    static final List<KafkaContainer> brokers = new ArrayList<>();
    static PostgreSQLContainer postgres;
    static final Map<String, GenericContainer<?>> apps = new LinkedHashMap<>();

    @BeforeAll
    static void startTheProductionShape() throws IOException {
        repository = Path.of("").toAbsolutePath().getParent();
        for (String app : PORTS.keySet()) {
            assumeTrue(Files.isRegularFile(jar(app)), "no " + jar(app) + ": run ./mvnw -DskipTests package first");
        }
        logs = Files.createDirectories(Path.of("target", "containers-logs"));
        network = Network.newNetwork();

        String clusterId = Uuid.randomUuid().toString();
        String voters = "1@kafka-1:9094,2@kafka-2:9094,3@kafka-3:9094";
        for (int node = 1; node <= 3; node++) {
            brokers.add(broker(node, clusterId, voters));
        }
        // A KRaft node is up only once the quorum is: the three must start together.
        brokers.parallelStream().forEach(GenericContainer::start);

        postgres = new PostgreSQLContainer(DockerImageName.parse(POSTGRES_IMAGE))
                .withNetwork(network).withNetworkAliases("postgres")
                .withDatabaseName("im").withUsername("im").withPassword(DB_PASSWORD);
        postgres.start();

        apps.put("upstream-router", app("upstream-router", "upstream-router-1",
                "--im.streams.advertised-host=upstream-router-1", "--im.instance-id=upstream-router-1",
                // The simulator's 30-member group goes through the task-worker's fan-out.
                "--im.router.small-group-max=10"));
        apps.put("downstream-dispatcher", app("downstream-dispatcher", "downstream-dispatcher-1",
                "--im.streams.advertised-host=downstream-dispatcher-1", "--im.instance-id=downstream-dispatcher-1"));
        apps.put("task-worker", app("task-worker", "task-worker-1", "--im.instance-id=task-worker-1")
                .withEnv(database()));
        apps.put("dlq-handler", app("dlq-handler", "dlq-handler-1", "--im.instance-id=dlq-handler-1")
                .withEnv(database()));
        Startables.deepStart(apps.values()).join();
    }

    @AfterAll
    static void stopEverything() {
        apps.values().forEach(GenericContainer::stop);
        if (postgres != null) {
            postgres.stop();
        }
        brokers.parallelStream().forEach(GenericContainer::stop);
        if (network != null) {
            network.close();
        }
    }

    @Test
    void theRouterKilledWithMinus9AndABrokerStoppedLoseNothingAndDuplicateNothing() throws Exception {
        GenericContainer<?> worker = apps.get("task-worker");
        SimulationSettings traffic = SimulationSettings.builder(bootstrapServers())
                .profile(TrafficProfile.MIXED)
                .gateways(2).users(60).maxDevices(2).offlineShare(0.15).churnUsers(4)
                .smallGroups(3).largeGroupSize(30)
                .rate(20).duration(Duration.ofSeconds(70))
                .drainTimeout(Duration.ofMinutes(3)).persistGrace(Duration.ofSeconds(90)).seed(17)
                .workerUrl("http://" + worker.getHost() + ":" + worker.getMappedPort(PORTS.get("task-worker")))
                .serviceToken(TOKEN)
                .build();
        Simulation simulation = new Simulation(traffic);
        CompletableFuture<DeliveryChecker.Summary> run = CompletableFuture.supplyAsync(() -> {
            try {
                return simulation.run(p -> System.out.println(ProgressLine.of(p)), Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
        DockerClient docker = DockerClientFactory.instance().client();

        // kill -9 of the router under load, restarted 3 s later (same container: its state volume stays).
        Thread.sleep(15_000);
        String router = apps.get("upstream-router").getContainerId();
        docker.killContainerCmd(router).withSignal("KILL").exec();
        System.out.println("killed upstream-router with SIGKILL at " + simulation.checker().progress());
        Thread.sleep(3_000);
        docker.startContainerCmd(router).exec();
        long deliveredAfterRouterRestart = simulation.checker().progress().delivered();

        // One of three brokers stopped under load (replication 3, min.insync.replicas 2), started 30 s later on
        // its data, with the same host port (fixed binding) so that the test's clients find it again.
        Thread.sleep(15_000);
        String node2 = brokers.get(1).getContainerId();
        docker.stopContainerCmd(node2).withTimeout(10).exec();
        System.out.println("stopped kafka-2 at " + simulation.checker().progress());
        Thread.sleep(30_000);
        docker.startContainerCmd(node2).exec();
        System.out.println("started kafka-2 again at " + simulation.checker().progress());

        DeliveryChecker.Summary summary = run.join();
        System.out.print(summary.render());

        assertThat(running(docker, router)).as("the router came back").isTrue();
        assertThat(running(docker, node2)).as("kafka-2 came back").isTrue();
        assertThat(summary.progress().delivered()).as("deliveries went on after the router's restart")
                .isGreaterThan(deliveredAfterRouterRestart);
        // The simulator's checks: every message to every device exactly one way (nothing lost, nothing twice),
        // pushes as a multiset, seq 1..n per conversation, a row in PostgreSQL for each accepted message.
        assertThat(summary.missingDeliveries()).as(summary.render()).isZero();
        assertThat(summary.rowsChecked()).as("persisted = a row read through the history API").isTrue();
        assertThat(summary.failures()).as(summary.render()).isEmpty();
    }

    // ---- the containers ----------------------------------------------------------------------------------------

    /**
     * One KRaft node as in infra/docker-compose.yml. The test JVM reaches it on a fixed host port (PLAINTEXT, which
     * KafkaContainer advertises as host:port), so that it is advertised the same after a restart; the other
     * containers on {@code kafka-N:9093}.
     */
    static KafkaContainer broker(int node, String clusterId, String voters) {
        String name = "kafka-" + node;
        KafkaContainer kafka = new KafkaContainer(DockerImageName.parse(KAFKA_IMAGE))
                .withNetwork(network)
                .withNetworkAliases(name)
                // KafkaContainer advertises its BROKER listener under the container's host name.
                .withCreateContainerCmdModifier(cmd -> cmd.withHostName(name))
                .withEnv("CLUSTER_ID", clusterId)
                .withEnv("KAFKA_NODE_ID", String.valueOf(node))
                .withEnv("KAFKA_CONTROLLER_QUORUM_VOTERS", voters)
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .withEnv("KAFKA_DEFAULT_REPLICATION_FACTOR", "3")
                .withEnv("KAFKA_MIN_INSYNC_REPLICAS", "2")
                .withEnv("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "3")
                .withEnv("KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS", "50")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "3")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "2")
                .withEnv("KAFKA_COMPRESSION_TYPE", "producer")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withEnv("KAFKA_HEAP_OPTS", "-Xms512m -Xmx512m")
                .withLogConsumer(logTo(name))
                .withStartupTimeout(Duration.ofMinutes(3));
        kafka.setPortBindings(List.of(freePort() + ":9092"));
        return kafka;
    }

    /** An app from its exec jar, built with infra's Dockerfile (only the Dockerfile and the jar in the context). */
    static GenericContainer<?> app(String app, String hostName, String... args) {
        String jarInContext = app + "/target/" + app + "-" + VERSION + "-exec.jar";
        ImageFromDockerfile image = new ImageFromDockerfile("im-pipeline-containers-test/" + app, true)
                .withFileFromPath("Dockerfile", repository.resolve("infra/docker/" + app + ".Dockerfile"))
                .withFileFromPath(jarInContext, jar(app));
        int port = PORTS.get(app);
        return new GenericContainer<>(image)
                .withNetwork(network)
                .withNetworkAliases(hostName)
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withHostName(hostName);
                    // As in compose: mem_limit 512m (the images size their JVMs for it).
                    cmd.getHostConfig().withMemory(512L * 1024 * 1024);
                })
                .withEnv("KAFKA_BOOTSTRAP_SERVERS", INTERNAL_BOOTSTRAP)
                .withEnv("IM_SERVICE_TOKEN", TOKEN)
                .withExposedPorts(port)
                .withCommand(args)
                .withLogConsumer(logTo(app))
                .waitingFor(Wait.forHttp("/actuator/health").forPort(port).forStatusCode(200)
                        .withStartupTimeout(Duration.ofMinutes(4)));
    }

    static Map<String, String> database() {
        return Map.of("IM_DB_URL", "jdbc:postgresql://postgres:5432/im", "IM_DB_USER", "im",
                "IM_DB_PASSWORD", DB_PASSWORD);
    }

    static Path jar(String app) {
        return repository.resolve(app + "/target/" + app + "-" + VERSION + "-exec.jar");
    }

    static String bootstrapServers() {
        return brokers.stream().map(KafkaContainer::getBootstrapServers).collect(Collectors.joining(","));
    }

    static boolean running(DockerClient docker, String containerId) {
        return Boolean.TRUE.equals(docker.inspectContainerCmd(containerId).exec().getState().getRunning());
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Each container's output to target/containers-logs/<name>.log (kept after the run). */
    static java.util.function.Consumer<OutputFrame> logTo(String name) {
        Path file = logs.resolve(name + ".log");
        return frame -> {
            try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND)) {
                out.write(frame.getUtf8String());
            } catch (IOException e) {
                // A log line lost is no reason to fail the test.
            }
        };
    }
}
