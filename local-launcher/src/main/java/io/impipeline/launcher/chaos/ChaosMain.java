package io.impipeline.launcher.chaos;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench/chaos}: runs chaos scenarios against the launched pipeline under the simulator's mixed traffic, each
 * part printing one line (lost, duplicated, seq gaps, p99, time to recover, PASS/FAIL), and writes a markdown report.
 * Exit code 0 only when every part passed. See docs/reliability.md.
 */
@Command(name = "bench/chaos", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Chaos scenarios against the local pipeline (each starts its own pipeline shape).")
public final class ChaosMain implements Callable<Integer> {

    /** Every scenario, in the order they run. */
    public static List<Scenario> scenarios() {
        return List.of(new ControlScenario(), new AppKillScenario(), new InstanceKillScenario(),
                new BrokerKillScenario(), new PostgresOutageScenario(), new OverloadScenario(),
                new SilentGatewayScenario());
    }

    @Option(names = "--scenarios", defaultValue = "1,2,3,4,5,6", split = ",",
            description = "scenario numbers or parts, e.g. 1,3-leader,6 (default ${DEFAULT-VALUE}; 0 = the negative "
                    + "control, run only when named); --list shows them")
    List<String> scenarios;
    @Option(names = "--list", description = "list the scenarios and their parts, then exit") boolean list;
    @Option(names = "--rate", defaultValue = "50",
            description = "messages/s of the mixed traffic (default ${DEFAULT-VALUE})")
    int rate;
    @Option(names = "--seconds", defaultValue = "60",
            description = "traffic per run, longer where the fault needs it (default ${DEFAULT-VALUE})")
    long seconds;
    @Option(names = "--overload-rate", defaultValue = "600",
            description = "messages/s of scenario 5, about twice the saturation rate (default ${DEFAULT-VALUE})")
    int overloadRate;
    @Option(names = "--restart-after", defaultValue = "3", description = "seconds a killed app stays down (scenario 1)")
    long restartAfter;
    @Option(names = "--gateway-timeout", defaultValue = "30",
            description = "im.dispatcher.gateway-timeout in seconds for scenario 6 (default ${DEFAULT-VALUE})")
    long gatewayTimeout;
    @Option(names = "--kafka-port", defaultValue = "19092") int kafkaPort;
    @Option(names = "--postgres-port", defaultValue = "25432") int postgresPort;
    @Option(names = "--port-offset", defaultValue = "1000", description = "added to the apps' ports 8081..8084")
    int portOffset;
    @Option(names = "--app-memory", defaultValue = "384m", description = "-Xmx of each app") String appMemory;
    @Option(names = "--data-dir", defaultValue = ".local-chaos",
            description = "each scenario's pipeline in <data-dir>/scenario-N (wiped when it starts); the log in "
                    + "<data-dir>/chaos.log")
    Path dataDirectory;
    @Option(names = "--report", description = "markdown report (default <data-dir>/report.md)") Path report;
    @Option(names = "--seed", defaultValue = "42") long seed;
    @Option(names = "--verbose", description = "also print the log (pipeline start, simulator progress) here")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ChaosMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (list) {
            for (Scenario s : scenarios()) {
                System.out.println(s.number() + (s.byDefault() ? "" : " (only when named)") + ": " + s.description()
                        + "\n   parts: " + String.join(", ", s.parts()));
            }
            return 0;
        }
        Map<Scenario, List<String>> plan;
        try {
            plan = plan(scenarios, scenarios());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
        }
        Path repository = Path.of("").toAbsolutePath();
        Path data = dataDirectory.toAbsolutePath();
        Files.createDirectories(data);
        // Nothing here belongs in git (the repository's .gitignore does not know this directory).
        Files.writeString(data.resolve(".gitignore"), "*\n");
        Path reportFile = report != null ? report.toAbsolutePath() : data.resolve("report.md");
        ChaosSettings settings = new ChaosSettings(repository, data, kafkaPort, postgresPort, portOffset, appMemory,
                "chaos-token", rate, Duration.ofSeconds(seconds), overloadRate, Duration.ofSeconds(restartAfter),
                Duration.ofSeconds(gatewayTimeout), seed);
        List<Outcome> outcomes = new ArrayList<>();
        LocalDateTime started = LocalDateTime.now().truncatedTo(ChronoUnit.SECONDS);
        try (OutputStream file = new FileOutputStream(data.resolve("chaos.log").toFile(), true);
             PrintStream log = new PrintStream(verbose ? new Tee(file, System.out) : file, true,
                     StandardCharsets.UTF_8)) {
            // Verbose: the log goes to the terminal too, so progress lines are written to the log only.
            PrintStream console = verbose ? new PrintStream(OutputStream.nullOutputStream()) : System.out;
            ChaosContext context = new ChaosContext(settings, log, console, o -> {
                outcomes.add(o);
                writeReport(reportFile, settings, started, outcomes);
            });
            context.progress("chaos: " + plan.values().stream().mapToInt(List::size).sum() + " runs; log "
                    + data.resolve("chaos.log") + ", report " + reportFile);
            for (Map.Entry<Scenario, List<String>> e : plan.entrySet()) {
                try {
                    e.getKey().run(context, e.getValue());
                } catch (Exception | Error failure) {
                    context.progress("scenario " + e.getKey().number() + " could not run: " + failure);
                    failure.printStackTrace(log);
                    for (String part : e.getValue()) {
                        if (outcomes.stream().noneMatch(o -> o.id().equals(part))) {
                            context.report(Outcome.didNotRun(part, failure, data.resolve("chaos.log").toString()));
                        }
                    }
                }
            }
        }
        System.out.println();
        System.out.println(Outcome.tableHeader());
        outcomes.forEach(o -> System.out.println(o.tableRow()));
        System.out.println("\n(written to " + reportFile + ")");
        return outcomes.stream().allMatch(Outcome::passed) ? 0 : 1;
    }

    /** Which parts of which scenarios run, in the scenarios' order. */
    static Map<Scenario, List<String>> plan(List<String> requested, List<Scenario> all) {
        Map<Scenario, List<String>> plan = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        for (String raw : requested) {
            String want = raw.trim();
            if (want.isEmpty()) {
                continue;
            }
            boolean found = false;
            for (Scenario s : all) {
                if (s.number().equals(want) || s.parts().contains(want)) {
                    found = true;
                    List<String> parts = plan.computeIfAbsent(s, k -> new ArrayList<>());
                    for (String p : s.number().equals(want) ? s.parts() : List.of(want)) {
                        if (!parts.contains(p)) {
                            parts.add(p);
                        }
                    }
                }
            }
            if (!found) {
                unknown.add(want);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown scenarios " + unknown + "; known: " + all.stream()
                    .map(s -> s.number() + " " + s.parts()).toList());
        }
        Map<Scenario, List<String>> ordered = new LinkedHashMap<>();
        for (Scenario s : all) {
            if (plan.containsKey(s)) {
                List<String> parts = new ArrayList<>(s.parts());
                parts.retainAll(plan.get(s));
                ordered.put(s, parts);
            }
        }
        return ordered;
    }

    static void writeReport(Path file, ChaosSettings s, LocalDateTime started, List<Outcome> outcomes) {
        StringBuilder b = new StringBuilder("# Chaos run of ").append(started).append("\n\n");
        b.append(Runtime.getRuntime().availableProcessors()).append(" cores, Java ")
                .append(System.getProperty("java.version")).append("; mixed traffic at ").append(s.rate())
                .append(" msg/s, ").append(s.seconds().toSeconds()).append(" s per run (longer where the fault needs"
                        + " it), overload ").append(s.overloadRate()).append(" msg/s, apps -Xmx")
                .append(s.appMemory()).append(", restart after ").append(s.restartAfter().toSeconds())
                .append(" s, gateway timeout ").append(s.gatewayTimeout().toSeconds()).append(" s. ")
                .append(outcomes.stream().filter(Outcome::passed).count()).append(" of ").append(outcomes.size())
                .append(" passed.\n\n");
        b.append("Counts are the simulator's failed checks by kind (lost, duplicated, seq) and any other failed "
                + "check; p99 is the simulator's end-to-end p99 over the whole run; what \"time to recover\" "
                + "measures is said in each row and in docs/reliability.md.\n\n");
        b.append(Outcome.tableHeader()).append('\n');
        outcomes.forEach(o -> b.append(o.tableRow()).append('\n'));
        b.append("\n## Runs\n");
        for (Outcome o : outcomes) {
            b.append("\n### ").append(o.id()).append(" (").append(o.passed() ? "PASS" : "FAIL").append(")\n\n```\n")
                    .append(o.report().strip()).append("\n```\n");
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, b.toString());
        } catch (IOException e) {
            System.err.println("writing " + file + ": " + e);
        }
    }

    /** Writes to both. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] bytes, int off, int len) throws IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }
    }
}
