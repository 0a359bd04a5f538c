package io.impipeline.launcher.hostile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.impipeline.launcher.LocalPipeline;
import io.impipeline.simulator.SimulationSettings;

/**
 * {@code bench/hostile}: starts the whole pipeline as in production (its own broker, PostgreSQL and the four apps, on
 * free ports, data under {@code .local-hostile/data}), runs the hostile corpus while the gateway simulator sends
 * normal traffic, prints the table and writes it to {@code .local-hostile/report.md}. Exit code 0 only when every
 * record got its expected outcome, the counters add up, every simulator check passed and every app is live, ready and
 * RUNNING.
 *
 * <p>Options: {@code --duration=30s} (simulator traffic), {@code --rate=20}, {@code --account-timeout=240s},
 * {@code --exclude=id,id} (records not sent), {@code --sabotage=id} (make one expectation wrong on purpose: the run
 * must fail on it), {@code --report=path}, {@code --port-offset=12000}.
 */
public final class HostileMain {

    private HostileMain() {
    }

    public static void main(String[] args) throws Exception {
        Duration duration = Duration.ofSeconds(seconds(arg(args, "--duration", "30s")));
        int rate = Integer.parseInt(arg(args, "--rate", "20"));
        Duration accountTimeout = Duration.ofSeconds(seconds(arg(args, "--account-timeout", "240s")));
        Set<String> exclude = Arrays.stream(arg(args, "--exclude", "").split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).collect(Collectors.toSet());
        String sabotage = arg(args, "--sabotage", null);
        int portOffset = Integer.parseInt(arg(args, "--port-offset", "12000"));
        Path repository = Path.of("").toAbsolutePath();
        Path home = repository.resolve(".local-hostile");
        Path report = Path.of(arg(args, "--report", home.resolve("report.md").toString()));

        LocalPipeline.Options options = new LocalPipeline.Options(repository, home.resolve("data"),
                LocalPipeline.freePortPair(), 0, "hostile-token", "384m", true,
                List.of("--im.router.small-group-max=10"), Duration.ofMinutes(5), portOffset);
        boolean passed;
        try (LocalPipeline pipeline = LocalPipeline.start(options, System.out);
             HostileRun run = new HostileRun(pipeline, new HostileRun.Options(simulation(pipeline, rate, duration),
                     accountTimeout, exclude, sabotage, System.out))) {
            HostileReport result = run.run();
            String markdown = result.markdown() + "\nCommand: `bench/hostile " + String.join(" ", args) + "`\n";
            System.out.println("\n" + markdown);
            Files.writeString(report, markdown);
            System.out.println("(written to " + report + ")");
            passed = result.passed();
            if (!passed) {
                System.out.println("FAILED:");
                result.problems().forEach(p -> System.out.println("  - " + p));
            }
        }
        System.exit(passed ? 0 : 1);
    }

    /** The simulator as the end-to-end test runs it: churn, groups (one fanned out), duplicates, bad, scheduled. */
    public static SimulationSettings.Builder simulation(LocalPipeline pipeline, int rate, Duration duration) {
        return SimulationSettings.builder(pipeline.bootstrapServers())
                .gateways(2).users(60).maxDevices(2).offlineShare(0.15).churnUsers(4)
                .smallGroups(3).largeGroupSize(30).groupShare(0.25)
                .rate(rate).duration(duration)
                .duplicateShare(0.05).badShare(0.03).scheduledShare(0.03)
                .drainTimeout(Duration.ofMinutes(3)).seed(11);
    }


    private static long seconds(String value) {
        return Long.parseLong(value.replaceAll("s$", ""));
    }

    private static String arg(String[] args, String name, String fallback) {
        for (String a : args) {
            if (a.startsWith(name + "=")) {
                return a.substring(name.length() + 1);
            }
        }
        return fallback;
    }
}
