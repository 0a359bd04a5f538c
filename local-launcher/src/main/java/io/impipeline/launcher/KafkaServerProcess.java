package io.impipeline.launcher;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One KRaft Kafka node (broker and controller in one process: the real {@code kafka.Kafka} server of the
 * {@code kafka_2.13} jar, same version as the clients) as its own process: storage formatted with {@code StorageTool
 * format} (a single node with {@code --standalone}, several with a static voter set), then started with a properties
 * file. No Docker, no installed Kafka. It can be killed ({@code kill -9}) and started again on the same storage, as
 * the chaos scenarios do.
 */
public final class KafkaServerProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);

    /** Environment variable: comma-separated {@code name=level} features to format the storage with. */
    public static final String FEATURES_ENV = "IM_KAFKA_FEATURES";

    /**
     * The node's logging. Kafka 4.1's server logs through SLF4J, and on the launcher's classpath SLF4J's binding is
     * logback (log4j-core is there too, but nothing routes SLF4J to it, so {@code -Dlog4j2.*} settings change
     * nothing). Without this file the node picked up the launcher's own {@code logback.xml}: ERROR on stdout, the
     * rest appended to {@code .local/logs/infra.log} under the working directory. Here: everything to stdout (the
     * node's log file), WARN by default, INFO for what a failover is made of: the controller's fencing, leader
     * elections and ISR changes, the KRaft quorum, the broker's registration and unfencing, partitions becoming
     * leader or follower, and the transaction and group coordinators moving.
     */
    static final String LOGGING = """
            <configuration>
              <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
                <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
              </appender>
              <logger name="org.apache.kafka.controller" level="INFO"/>
              <logger name="org.apache.kafka.raft" level="INFO"/>
              <logger name="org.apache.kafka.metadata" level="INFO"/>
              <logger name="kafka.server.KafkaRaftServer" level="INFO"/>
              <logger name="kafka.server.BrokerServer" level="INFO"/>
              <logger name="kafka.server.BrokerLifecycleManager" level="INFO"/>
              <logger name="kafka.server.ReplicaManager" level="INFO"/>
              <logger name="kafka.cluster.Partition" level="INFO"/>
              <logger name="state.change.logger" level="INFO"/>
              <logger name="kafka.coordinator.transaction" level="INFO"/>
              <logger name="org.apache.kafka.coordinator.transaction" level="INFO"/>
              <logger name="org.apache.kafka.coordinator.group" level="INFO"/>
              <root level="WARN"><appender-ref ref="STDOUT"/></root>
            </configuration>
            """;

    private final int nodeId;
    private final int port;
    private final List<String> command;
    private final Path logFile;
    private Process process;

    private KafkaServerProcess(int nodeId, int port, List<String> command, Path logFile) {
        this.nodeId = nodeId;
        this.port = port;
        this.command = command;
        this.logFile = logFile;
    }

    /**
     * @param voters      {@code id@host:port} of every controller; one entry: a single standalone node
     * @param clusterSize how many nodes the cluster has (internal topics' replication)
     */
    public static KafkaServerProcess start(int nodeId, int port, int controllerPort, List<String> voters,
                                           int clusterSize, String clusterId, Path dataDirectory, Path logFile,
                                           String classpath) throws IOException, InterruptedException {
        Path logs = dataDirectory.resolve("kafka-" + nodeId);
        Files.createDirectories(logs);
        Path config = dataDirectory.resolve("kafka-" + nodeId + ".properties");
        boolean standalone = voters.size() == 1;
        int replication = Math.min(3, clusterSize);
        Files.writeString(config, String.join("\n",
                "node.id=" + nodeId,
                "process.roles=broker,controller",
                "listeners=PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort,
                "advertised.listeners=PLAINTEXT://localhost:" + port,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                standalone ? "controller.quorum.bootstrap.servers=localhost:" + controllerPort
                        : "controller.quorum.voters=" + String.join(",", voters),
                "log.dirs=" + logs.toAbsolutePath(),
                "num.partitions=1",
                // Like production (infra/docker-compose.yml): topics created without a replica count, Kafka Streams'
                // repartition and changelog topics, get the cluster's; with 1 (Kafka's default) a third of them sat
                // on each node of three, and a dead node stopped every Streams app until it came back.
                "default.replication.factor=" + replication,
                "min.insync.replicas=" + Math.min(2, replication),
                "offsets.topic.replication.factor=" + replication,
                "transaction.state.log.replication.factor=" + replication,
                "transaction.state.log.min.isr=" + Math.min(2, replication),
                "share.coordinator.state.topic.replication.factor=" + replication,
                "share.coordinator.state.topic.min.isr=" + Math.min(2, replication),
                "group.initial.rebalance.delay.ms=0",
                // Like production: topics are created by the apps that own them.
                "auto.create.topics.enable=false",
                ""));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.createDirectories(logFile.getParent());
        List<String> format = new ArrayList<>(List.of(java, "-cp", classpath, "kafka.tools.StorageTool", "format",
                "-t", clusterId, "-c", config.toString()));
        if (standalone) {
            format.add("--standalone");
        }
        // Feature levels other than the release's defaults, e.g. IM_KAFKA_FEATURES=transaction.version=1 (session 9's
        // failover measurement: the transactions protocol the cluster is formatted with).
        for (String feature : System.getenv().getOrDefault(FEATURES_ENV, "").split(",")) {
            if (!feature.isBlank()) {
                format.addAll(List.of("--feature", feature.trim()));
            }
        }
        Process formatting = new ProcessBuilder(format)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        if (formatting.waitFor() != 0) {
            throw new IllegalStateException("formatting Kafka storage failed; see " + logFile);
        }
        Path logging = dataDirectory.resolve("kafka-" + nodeId + "-logback.xml");
        Files.writeString(logging, LOGGING);
        KafkaServerProcess node = new KafkaServerProcess(nodeId, port, List.of(java, "-Xmx512m",
                "-XX:+UseSerialGC", "-Dlogback.configurationFile=" + logging.toAbsolutePath(), "-cp", classpath,
                "kafka.Kafka", config.toString()), logFile);
        node.launch();
        return node;
    }

    /** A new random cluster id in Kafka's format (22 characters). */
    public static String newClusterId() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 22);
    }

    private void launch() throws IOException {
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
    }

    /** Waits until the node accepts connections on its broker port; fails early when it exits. */
    public void awaitListening() throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Kafka node " + nodeId + " exited with code " + process.exitValue()
                        + "; see " + logFile);
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("localhost", port), 500);
                return;
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("Kafka did not listen on port " + port + " within " + START_TIMEOUT);
    }

    public int nodeId() {
        return nodeId;
    }

    public String bootstrapServer() {
        return "localhost:" + port;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** {@code kill -9}: no clean shutdown, no leadership hand-over. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** Starts the node again on the storage it had. */
    public void restart() throws IOException, InterruptedException {
        if (isAlive()) {
            throw new IllegalStateException("Kafka node " + nodeId + " is still running");
        }
        launch();
        awaitListening();
    }

    @Override
    public void close() {
        Processes.stop(process, STOP_GRACE);
    }
}
