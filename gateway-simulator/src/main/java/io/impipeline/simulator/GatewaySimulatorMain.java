package io.impipeline.simulator;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import static io.impipeline.simulator.SimulationSettings.DEFAULT_BAD_SHARE;
import static io.impipeline.simulator.SimulationSettings.DEFAULT_CHURN_USERS;
import static io.impipeline.simulator.SimulationSettings.DEFAULT_DUPLICATE_SHARE;
import static io.impipeline.simulator.SimulationSettings.DEFAULT_GATEWAYS;
import static io.impipeline.simulator.SimulationSettings.DEFAULT_GROUP_SHARE;
import static io.impipeline.simulator.SimulationSettings.DEFAULT_LARGE_GROUP_SIZE;
import static io.impipeline.simulator.SimulationSettings.DEFAULT_MAX_DEVICES;
import static io.impipeline.simulator.SimulationSettings.DEFAULT_MESSAGE_BYTES;
import static io.impipeline.simulator.SimulationSettings.DEFAULT_OFFLINE_SHARE;
import static io.impipeline.simulator.SimulationSettings.DEFAULT_RATE;
import static io.impipeline.simulator.SimulationSettings.DEFAULT_SCHEDULED_SHARE;
import static io.impipeline.simulator.SimulationSettings.DEFAULT_SEED;
import static io.impipeline.simulator.SimulationSettings.DEFAULT_SMALL_GROUPS;
import static io.impipeline.simulator.SimulationSettings.DEFAULT_USERS;
import static io.impipeline.simulator.TrafficProfile.MIXED_LARGE_GROUP_SIZE;
import static io.impipeline.simulator.TrafficProfile.MIXED_SMALL_GROUP_SIZE;
import static io.impipeline.simulator.TrafficProfile.MIXED_USERS;

/**
 * Command line of the gateway simulator: runs one simulation, prints progress and the summary, exit 1 on failure.
 * Options left out take the defaults of {@link SimulationSettings.Builder} (some depend on {@code --profile}).
 */
@Command(name = "gateway-simulator", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Simulated gateways: send traffic to an im-pipeline cluster and check every delivery.")
public final class GatewaySimulatorMain implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092", description = "Kafka bootstrap servers")
    String bootstrapServers;
    @Option(names = "--topic-prefix", description = "im.topics.prefix of the cluster (default none)")
    String topicPrefix;
    @Option(names = "--profile", description = "message mix: DEFAULT (single chat plus --group-share group "
            + "messages) or MIXED (60 %% single chat to online users, 15 %% to offline users, 20 %% to "
            + MIXED_SMALL_GROUP_SIZE + "-member groups, 5 %% to a " + MIXED_LARGE_GROUP_SIZE + "-member group); "
            + "duplicates, bad and scheduled records on top (default DEFAULT)")
    TrafficProfile profile;
    @Option(names = "--gateways", description = "gateways that stay up (default " + DEFAULT_GATEWAYS + ")")
    Integer gateways;
    @Option(names = "--users", description = "users whose presence stays fixed (default " + DEFAULT_USERS
            + ", mixed profile " + MIXED_USERS + ")")
    Integer users;
    @Option(names = "--max-devices", description = "devices per online user, 1..N (default " + DEFAULT_MAX_DEVICES
            + ")")
    Integer maxDevices;
    @Option(names = "--offline-share", description = "share of users offline all the run (default "
            + DEFAULT_OFFLINE_SHARE + ")")
    Double offlineShare;
    @Option(names = "--churn-users", description = "users whose presence changes, on a gateway that drains and dies "
            + "(default " + DEFAULT_CHURN_USERS + ")")
    Integer churnUsers;
    @Option(names = "--small-groups", description = "(default " + DEFAULT_SMALL_GROUPS + ")")
    Integer smallGroups;
    @Option(names = "--small-group-size", description = "members of each small group; 0: random 3..20 (default 0, "
            + "mixed profile " + MIXED_SMALL_GROUP_SIZE + ")")
    Integer smallGroupSize;
    @Option(names = "--large-group-size", description = "members of the large group, 0 for none (default "
            + DEFAULT_LARGE_GROUP_SIZE + ", mixed profile " + MIXED_LARGE_GROUP_SIZE + ")")
    Integer largeGroupSize;
    @Option(names = "--group-share", description = "share of group messages, default profile (default "
            + DEFAULT_GROUP_SHARE + ")")
    Double groupShare;
    @Option(names = "--rate", description = "messages per second; 0 = as fast as possible (default " + DEFAULT_RATE
            + ")")
    Integer rate;
    @Option(names = "--duration", description = "how long to send, e.g. 30s, 5m (default 30s)")
    String duration;
    @Option(names = "--message-bytes", description = "(default " + DEFAULT_MESSAGE_BYTES + ")")
    Integer messageBytes;
    @Option(names = "--duplicate-share", description = "(default " + DEFAULT_DUPLICATE_SHARE + ")")
    Double duplicateShare;
    @Option(names = "--bad-share", description = "(default " + DEFAULT_BAD_SHARE + ")")
    Double badShare;
    @Option(names = "--scheduled-share", description = "(default " + DEFAULT_SCHEDULED_SHARE + ")")
    Double scheduledShare;
    @Option(names = "--settle", description = "wait before traffic starts (default 5s)")
    String settle;
    @Option(names = "--drain-timeout", description = "wait for outstanding deliveries (default 60s)")
    String drainTimeout;
    @Option(names = "--sender-sync", negatable = true, description = "the router sends sync copies to the sender's "
            + "other devices (default true)")
    Boolean senderSync;
    @Option(names = "--seed", description = "(default " + DEFAULT_SEED + ")")
    Long seed;
    @Option(names = "--message-limit", description = "stop after this many messages; 0 = no limit (default 0)")
    Integer messageLimit;
    @Option(names = "--worker-url", description = "task-worker base URL, e.g. http://localhost:8083: persistence is "
            + "checked as rows read through its history API; without it only persist tasks are checked")
    String workerUrl;
    @Option(names = "--service-token", defaultValue = "${env:IM_SERVICE_TOKEN}", description = "service token for the "
            + "history API (default: $IM_SERVICE_TOKEN)")
    String serviceToken;
    @Option(names = "--persist-grace", description = "how long to wait for the last rows (default 30s)")
    String persistGrace;

    public static void main(String[] args) {
        System.exit(new CommandLine(new GatewaySimulatorMain()).setCaseInsensitiveEnumValuesAllowed(true)
                .execute(args));
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
        SimulationSettings.Builder b = SimulationSettings.builder(bootstrapServers);
        set(topicPrefix, b::topicPrefix);
        set(profile, b::profile);
        set(gateways, b::gateways);
        set(users, b::users);
        set(maxDevices, b::maxDevices);
        set(offlineShare, b::offlineShare);
        set(churnUsers, b::churnUsers);
        set(smallGroups, b::smallGroups);
        set(smallGroupSize, b::smallGroupSize);
        set(largeGroupSize, b::largeGroupSize);
        set(groupShare, b::groupShare);
        set(rate, b::rate);
        set(duration, d -> b.duration(duration(d)));
        set(messageBytes, b::messageBytes);
        set(duplicateShare, b::duplicateShare);
        set(badShare, b::badShare);
        set(scheduledShare, b::scheduledShare);
        set(settle, d -> b.settle(duration(d)));
        set(drainTimeout, d -> b.drainTimeout(duration(d)));
        set(senderSync, b::senderSync);
        set(seed, b::seed);
        set(messageLimit, b::messageLimit);
        set(workerUrl, b::workerUrl);
        set(serviceToken, b::serviceToken);
        set(persistGrace, d -> b.persistGrace(duration(d)));
        return b.build();
    }

    private static <T> void set(T value, Consumer<T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }

    @Override
    public Integer call() throws Exception {
        SimulationSettings settings;
        try {
            settings = settings();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
        }
        Simulation simulation = new Simulation(settings);
        DeliveryChecker.Summary summary = simulation.run(p -> System.out.println(ProgressLine.of(p)),
                Duration.ofSeconds(2));
        System.out.print(summary.render());
        return summary.passed() ? 0 : 1;
    }
}
