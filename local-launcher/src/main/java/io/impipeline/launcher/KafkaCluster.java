package io.impipeline.launcher;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One or more KRaft nodes ({@link KafkaServerProcess}) on consecutive ports: node i (from 0) listens on
 * {@code basePort + 2i} (broker) and {@code basePort + 2i + 1} (controller). With three nodes the cluster is shaped
 * like production: every node a broker and a controller, internal topics with three replicas.
 */
public final class KafkaCluster implements AutoCloseable {

    private final List<KafkaServerProcess> nodes;

    private KafkaCluster(List<KafkaServerProcess> nodes) {
        this.nodes = nodes;
    }

    public static KafkaCluster start(int size, int basePort, Path dataDirectory, String classpath)
            throws IOException, InterruptedException {
        if (size < 1) {
            throw new IllegalArgumentException("a cluster needs at least one node, not " + size);
        }
        List<String> voters = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            voters.add((i + 1) + "@localhost:" + (basePort + 2 * i + 1));
        }
        String clusterId = KafkaServerProcess.newClusterId();
        List<KafkaServerProcess> nodes = new ArrayList<>();
        KafkaCluster cluster = new KafkaCluster(nodes);
        try {
            for (int i = 0; i < size; i++) {
                nodes.add(KafkaServerProcess.start(i + 1, basePort + 2 * i, basePort + 2 * i + 1, voters, size,
                        clusterId, dataDirectory, dataDirectory.resolve("logs").resolve(
                                size == 1 ? "kafka.log" : "kafka-" + (i + 1) + ".log"), classpath));
            }
            // All nodes first, then wait: a multi-node quorum forms only once enough voters run.
            for (KafkaServerProcess node : nodes) {
                node.awaitListening();
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    public String bootstrapServers() {
        return nodes.stream().map(KafkaServerProcess::bootstrapServer).collect(Collectors.joining(","));
    }

    public List<KafkaServerProcess> nodes() {
        return List.copyOf(nodes);
    }

    public int size() {
        return nodes.size();
    }

    @Override
    public void close() {
        for (KafkaServerProcess node : nodes) {
            node.close();
        }
    }
}
