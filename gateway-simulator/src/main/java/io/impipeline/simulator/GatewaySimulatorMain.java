package io.impipeline.simulator;

import java.time.Duration;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Command line of the gateway simulator: runs one simulation, prints progress and the summary, exit 1 on failure. */
@Command(name = "gateway-simulator", mixinStandardHelpOptions = true,
        description = "Simulated gateways: send traffic to an im-pipeline cluster and check every delivery.")
public final class GatewaySimulatorMain implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092", description = "Kafka bootstrap servers")
    String bootstrapServers;
    @Option(names = "--topic-prefix", defaultValue = "", description = "im.topics.prefix of the cluster")
    String topicPrefix;
    @Option(names = "--gateways", defaultValue = "3") int gateways;
    @Option(names = "--users", defaultValue = "200") int users;
    @Option(names = "--max-devices", defaultValue = "2") int maxDevices;
    @Option(names = "--offline-share", defaultValue = "0.1") double offlineShare;
    @Option(names = "--churn-users", defaultValue = "10") int churnUsers;
    @Option(names = "--small-groups", defaultValue = "5") int smallGroups;
    @Option(names = "--large-group-size", defaultValue = "250") int largeGroupSize;
    @Option(names = "--group-share", defaultValue = "0.2") double groupShare;
    @Option(names = "--rate", defaultValue = "50", description = "messages per second; 0 = as fast as possible")
    int rate;
    @Option(names = "--duration", defaultValue = "30s", description = "how long to send, e.g. 30s, 5m")
    String duration;
    @Option(names = "--message-bytes", defaultValue = "100") int messageBytes;
    @Option(names = "--duplicate-share", defaultValue = "0.02") double duplicateShare;
    @Option(names = "--bad-share", defaultValue = "0.01") double badShare;
    @Option(names = "--scheduled-share", defaultValue = "0.01") double scheduledShare;
    @Option(names = "--settle", defaultValue = "5s") String settle;
    @Option(names = "--drain-timeout", defaultValue = "60s") String drainTimeout;
    @Option(names = "--sender-sync", defaultValue = "true", negatable = true) boolean senderSync;
    @Option(names = "--seed", defaultValue = "42") long seed;
    @Option(names = "--message-limit", defaultValue = "0", description = "stop after this many messages; 0 = no limit")
    int messageLimit;

    public static void main(String[] args) {
        System.exit(new CommandLine(new GatewaySimulatorMain()).execute(args));
    }

    public static Duration duration(String text) {
        String t = text.trim().toLowerCase();
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        long n = Long.parseLong(t.substring(0, t.length() - 1));
        return switch (t.charAt(t.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> throw new CommandLine.TypeConversionException("not a duration: " + text + " (use 30s, 5m)");
        };
    }

    SimulationSettings settings() {
        return new SimulationSettings(bootstrapServers, topicPrefix, gateways, users, maxDevices, offlineShare,
                churnUsers, smallGroups, largeGroupSize, groupShare, rate, duration(duration), messageBytes,
                duplicateShare, badShare, scheduledShare, duration(settle), duration(drainTimeout), senderSync, seed, messageLimit);
    }

    @Override
    public Integer call() throws Exception {
        Simulation simulation = new Simulation(settings());
        DeliveryChecker.Summary summary = simulation.run(p -> System.out.println(ProgressLine.of(p)),
                Duration.ofSeconds(2));
        System.out.print(summary.render());
        return summary.passed() ? 0 : 1;
    }
}
