package io.impipeline.launcher;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * A single-node KRaft Kafka broker (the real {@code kafka.Kafka} server of the {@code kafka_2.13} jar, same version
 * as the clients) as its own process on a fixed port: storage formatted with {@code StorageTool format
 * --standalone}, then started with a properties file. No Docker, no installed Kafka.
 */
public final class KafkaServerProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);

    private final int port;
    private final Process process;

    private KafkaServerProcess(int port, Process process) {
        this.port = port;
        this.process = process;
    }

    public static KafkaServerProcess start(int port, Path dataDirectory, Path logFile, String classpath)
            throws IOException, InterruptedException {
        Path logs = dataDirectory.resolve("kafka");
        Files.createDirectories(logs);
        Path config = dataDirectory.resolve("kafka.properties");
        int controllerPort = port + 1;
        Files.writeString(config, String.join("\n",
                "node.id=1",
                "process.roles=broker,controller",
                "listeners=PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort,
                "advertised.listeners=PLAINTEXT://localhost:" + port,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "controller.quorum.bootstrap.servers=localhost:" + controllerPort,
                "log.dirs=" + logs.toAbsolutePath(),
                "num.partitions=1",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                // Like production: topics are created by the apps that own them.
                "auto.create.topics.enable=false",
                ""));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.createDirectories(logFile.getParent());
        Process format = new ProcessBuilder(java, "-cp", classpath, "kafka.tools.StorageTool", "format",
                "--standalone", "-t", UUID.randomUUID().toString().replace("-", "").substring(0, 22),
                "-c", config.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        if (format.waitFor() != 0) {
            throw new IllegalStateException("formatting Kafka storage failed; see " + logFile);
        }
        Process server = new ProcessBuilder(List.of(java, "-Xmx512m", "-XX:+UseSerialGC",
                "-Dlog4j2.level=WARN", "-cp", classpath, "kafka.Kafka", config.toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        KafkaServerProcess kafka = new KafkaServerProcess(port, server);
        kafka.awaitListening(logFile);
        return kafka;
    }

    private void awaitListening(Path logFile) throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Kafka exited with code " + process.exitValue() + "; see " + logFile);
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

    public String bootstrapServers() {
        return "localhost:" + port;
    }

    @Override
    public void close() {
        Processes.stop(process, STOP_GRACE);
    }
}
