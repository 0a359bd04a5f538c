package io.impipeline.launcher.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.impipeline.launcher.AppProcess;
import io.impipeline.launcher.LocalPipeline;
import io.impipeline.launcher.chaos.LagSampler;
import io.impipeline.simulator.DeliveryChecker;
import io.impipeline.simulator.Simulation;
import io.impipeline.simulator.SimulationSettings;
import io.impipeline.simulator.TrafficProfile;

/**
 * {@code bench/run}: the pipeline benchmark (issues 8 and 16). Starts the whole pipeline as {@code ./run-local} does
 * and measures, in one run: the raw Kafka ceiling; the physical limit of the design, a bare chain of three
 * exactly-once pass-through hops ({@link BareChain}) at the same rate, record size and commit interval; single chat
 * (saturation, latency at a fixed rate, its p95 against the bare chain's); the mixed traffic users run
 * (saturation in messages/s and deliveries/s, latency at half of saturation and at fixed rates, the sustained rate with p99 <= 5 s, peak RSS
 * per app); and what one message to a 300-member group costs in Kafka records ({@link GroupMessageCost}). Then the
 * same single-chat latency and bare chain with a tuned commit interval. Prints a markdown report.
 */
public final class PipelineBenchmark {

    private static final int RECORD_BYTES = 1024;
    private static final int WARM_UP_RATE = 300;
    private static final Duration WARM_UP = Duration.ofSeconds(15);
    /** Set by {@code bench/pinned}: which processes it put on which CPUs, for the report. */
    private static final String PINNING = "IM_BENCH_PINNING";
    private static final double P99_TARGET_MILLIS = 5_000;
    private static final int LARGE_GROUP = 300;
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(3);

    private PipelineBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int saturationMessages = Integer.parseInt(arg(args, "--saturation-messages", "20000"));
        int rate = Integer.parseInt(arg(args, "--rate", "1000"));
        Duration duration = Duration.ofSeconds(Long.parseLong(arg(args, "--seconds", "30")));
        String defaultCommit = arg(args, "--commit-ms", "100");
        String tunedCommit = arg(args, "--tuned-commit-ms", "50");
        List<Integer> mixedRates = Arrays.stream(arg(args, "--mixed-rates", "500,1000,1500").split(","))
                .map(String::trim).map(Integer::parseInt).toList();
        boolean skipTuned = List.of(args).contains("--skip-tuned");
        Path repository = Path.of("").toAbsolutePath();
        if (List.of(args).contains("--trace-overhead")) {
            traceOverhead(repository, saturationMessages, Integer.parseInt(arg(args, "--single-saturation-messages",
                    String.valueOf(saturationMessages))), Integer.parseInt(arg(args, "--rounds", "2")),
                    Integer.parseInt(arg(args, "--passes", "1")), List.of(arg(args, "--variants", "on,off").split(",")),
                    TraceCostReport.Fixed.parse(args), List.of(args).contains("--switched"), args);
            return;
        }

        StringBuilder report = new StringBuilder();
        report.append("Measured ").append(LocalDate.now()).append(" on ").append(cores()).append(", Java ")
                .append(System.getProperty("java.version"))
                .append("; single-node KRaft broker, every app its own JVM (-Xmx384m, SerialGC), ")
                .append(RECORD_BYTES).append("-byte messages. Command: `bench/run ").append(String.join(" ", args))
                .append("`.\n\n");

        Map<String, String> rows = new LinkedHashMap<>();
        Map<String, Long> peakRss = new LinkedHashMap<>();
        try (LocalPipeline pipeline = start(repository, List.of("--im.streams.commit-interval=" + defaultCommit
                + "ms"))) {
            // Warm-up (JIT, stores, group joins) before anything is measured.
            simulate(pipeline, single(pipeline, WARM_UP_RATE, WARM_UP, 0), null);
            double ceiling = KafkaCeiling.recordsPerSecond(pipeline.bootstrapServers(), saturationMessages * 2,
                    RECORD_BYTES);
            rows.put("raw Kafka produce->consume (ceiling)", String.format("%.0f records/s", ceiling));
            BareChain.Result bare = bareChain(pipeline, rate, duration, defaultCommit);
            rows.put("bare 3-hop exactly-once chain, " + rate + " msg/s, commit " + defaultCommit + " ms",
                    bare.latency() + (bare.complete() ? "" : " (INCOMPLETE)"));

            DeliveryChecker.Summary saturation = simulate(pipeline, single(pipeline, 0, Duration.ofMinutes(5),
                    saturationMessages), null);
            rows.put("single chat: saturation (delivered messages/s)", String.format("%.0f msg/s = %.1f %% of the "
                    + "ceiling (%s)", saturation.deliveriesPerSecond(), 100 * saturation.deliveriesPerSecond()
                    / ceiling, verdict(saturation)));
            DeliveryChecker.Summary fixed = simulate(pipeline, single(pipeline, rate, duration, 0), peakRss);
            rows.put("single chat: latency at " + rate + " msg/s, commit " + defaultCommit + " ms", latency(fixed));
            rows.put("single chat: pipeline p95 / bare chain p95 (same run, commit " + defaultCommit + " ms)",
                    String.format("%.2f (%.0f / %.0f ms)", fixed.p95Millis() / bare.p95Millis(), fixed.p95Millis(),
                            bare.p95Millis()));

            DeliveryChecker.Summary mixedSaturation = simulate(pipeline, mixed(pipeline, 0, Duration.ofMinutes(5),
                    saturationMessages), peakRss);
            rows.put("mixed: saturation", String.format("%.0f msg/s accepted, %.0f deliveries/s (message, "
                    + "device-gateway), %.0f gateway records/s (%s)", messagesPerSecond(mixedSaturation),
                    mixedSaturation.deliveriesPerSecond(), mixedSaturation.recordsPerSecond(),
                    verdict(mixedSaturation)));
            // The measure: latency at half of the saturation just measured (the run's own yardstick).
            int half = (int) Math.max(1, Math.round(messagesPerSecond(mixedSaturation) / 2));
            DeliveryChecker.Summary atHalf = simulate(pipeline, mixed(pipeline, half, duration, 0), peakRss);
            rows.put("mixed: latency at half of saturation (" + half + " msg/s)", latency(atHalf)
                    + String.format(", %.0f deliveries/s", atHalf.deliveriesPerSecond()));
            int sustained = atHalf.passed() && atHalf.p99Millis() <= P99_TARGET_MILLIS ? half : 0;
            for (int mixedRate : mixedRates) {
                DeliveryChecker.Summary run = simulate(pipeline, mixed(pipeline, mixedRate, duration, 0), peakRss);
                rows.put("mixed: latency at " + mixedRate + " msg/s", latency(run) + String.format(", %.0f "
                        + "deliveries/s", run.deliveriesPerSecond()));
                if (run.passed() && run.p99Millis() <= P99_TARGET_MILLIS) {
                    sustained = Math.max(sustained, mixedRate);
                }
            }
            rows.put("mixed: highest rate tried with p99 <= 5 s (all checks passed)", sustained == 0
                    ? "none of " + half + ", " + mixedRates
                    : sustained + " msg/s (tried " + half + ", " + mixedRates + ")");
            GroupMessageCost.Result cost = GroupMessageCost.measure(pipeline.bootstrapServers(),
                    new GroupMessageCost.Settings(LARGE_GROUP, 3, 0.15, 20));
            rows.put("Kafka records per " + LARGE_GROUP + "-member group message", cost.render());
        }
        if (!skipTuned) {
            try (LocalPipeline pipeline = start(repository, List.of(
                    "--im.streams.commit-interval=" + tunedCommit + "ms"))) {
                simulate(pipeline, single(pipeline, WARM_UP_RATE, WARM_UP, 0), null);
                BareChain.Result bare = bareChain(pipeline, rate, duration, tunedCommit);
                rows.put("bare 3-hop exactly-once chain, " + rate + " msg/s, commit " + tunedCommit + " ms",
                        bare.latency() + (bare.complete() ? "" : " (INCOMPLETE)"));
                DeliveryChecker.Summary tuned = simulate(pipeline, single(pipeline, rate, duration, 0), null);
                rows.put("single chat: latency at " + rate + " msg/s, commit " + tunedCommit + " ms",
                        latency(tuned));
                rows.put("single chat: pipeline p95 / bare chain p95 (same run, commit " + tunedCommit + " ms)",
                        String.format("%.2f (%.0f / %.0f ms)", tuned.p95Millis() / bare.p95Millis(),
                                tuned.p95Millis(), bare.p95Millis()));
            }
        }
        report.append("| measure | result |\n|---|---|\n");
        rows.forEach((k, v) -> report.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        report.append("\nResident memory (VmRSS) of each app, peak over the single-chat and mixed runs:\n\n");
        report.append("| app | peak RSS |\n|---|---|\n");
        peakRss.forEach((k, v) -> report.append("| ").append(k).append(" | ").append(v).append(" MiB |\n"));
        System.out.println("\n" + report);
        Path out = repository.resolve(".local-bench-report.md");
        Files.writeString(out, report.toString());
        System.out.println("(also written to " + out + ")");
    }

    /**
     * {@code bench/run --trace-overhead} (issue 15): what writing trace events costs. The same saturation runs
     * (mixed and single chat, after the same warm-up) on a pipeline started with {@code im.trace.enabled} true, then
     * false, alternating for {@code --rounds}, so that each pair is measured side by side on the same machine; the
     * report gives each run and the ratio per pair.
     */
    private static void traceOverhead(Path repository, int saturationMessages, int singleSaturationMessages,
                                      int rounds, int passes,
                                      List<String> variants, TraceCostReport.Fixed fixed, boolean switched,
                                      String[] args)
            throws Exception {
        StringBuilder report = new StringBuilder();
        report.append("Measured ").append(java.time.LocalDateTime.now().withNano(0)).append(" on ")
                .append(cores()).append(", Java ")
                .append(System.getProperty("java.version")).append("; single-node KRaft broker, every app its own JVM")
                .append(" (-Xmx384m, SerialGC), ").append(RECORD_BYTES).append("-byte messages, ")
                .append(saturationMessages).append(" messages per mixed and ").append(singleSaturationMessages)
                .append(" per single-chat saturation run. Command: `bench/run ")
                .append(String.join(" ", args)).append("`.\n\n")
                .append("Machine CPU per message: busy time of both cores (/proc/stat) over each saturation run, divided ")
                .append("by its messages (mixed: accepted, single chat: delivered); it includes the simulator, the broker ")
                .append("and PostgreSQL, the same in every variant. Throughput on a CPU-bound machine is its inverse, so ")
                .append("off / variant of CPU per message is the throughput ratio without the scheduling noise.\n\n")
                .append(switched ? "--switched: one pipeline per round, started with trace on; between passes the "
                        + "writers' trace writing is paused or resumed (PUT /api/v1/trace-writing): on and off once "
                        + "each first (not in the ratios: compiling both paths), then " + passes + " pairs, on-off "
                        + "and off-on alternating; the ratios pair each pass with its partner in the same "
                        + "pipeline.\n\n"
                        : passes == 1 ? "" : "Each pipeline runs the saturation pair " + passes + " times "
                        + "(round.pass); the first pass of each is shown but left out of the ratios and the "
                        + "by-process tables: it still pays for compiling the code each variant runs.\n\n")
                .append("Each run's CPU window ends when the pipeline's consumer groups have caught up (lag still "
                        + "for 3 s; the last column: how long after the run's last delivery), before the checker "
                        + "reads every message's row back through the history API.\n\n")
                .append("| round | trace | mixed saturation (msg/s) | mixed CPU ms/msg | single chat saturation ")
                .append("(delivered msg/s) | single chat CPU ms/msg | caught up after (mixed, single) |\n")
                .append("|---|---|---|---|---|---|---|\n");
        // Variants: on, off, and unstored (trace on, the dlq-handler stopped after the start, so that nothing
        // materialises the events: what the writers alone cost).
        Map<String, List<double[]>> results = new LinkedHashMap<>();
        Map<String, List<FixedRateCost.Result[]>> costs = new LinkedHashMap<>();
        Map<String, List<FixedRateCost.Result[]>> saturationCosts = new LinkedHashMap<>();
        Map<String, List<FixedRateCost.Result[]>> firstPassCosts = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++) {
            for (String variant : switched ? List.of("switched") : variants) {
                boolean trace = !variant.equals("off");
                try (LocalPipeline pipeline = start(repository, List.of("--im.trace.enabled=" + trace));
                     LagSampler lag = LagSampler.open(pipeline.bootstrapServers())) {
                    if (variant.equals("unstored")) {
                        pipeline.apps("dlq-handler").forEach(AppProcess::stop);
                    }
                    simulate(pipeline, single(pipeline, WARM_UP_RATE, WARM_UP, 0), null);
                    if (fixed.seconds() > 0 && !fixed.afterSaturation()) {
                        costs.computeIfAbsent(variant, v -> new java.util.ArrayList<>()).add(
                                fixedRateCosts(pipeline, lag, fixed));
                    }
                    List<TraceWriting.Pass> schedule = new java.util.ArrayList<>();
                    if (switched) {
                        schedule.addAll(TraceWriting.schedule(passes));
                    } else {
                        for (int pass = 1; pass <= passes; pass++) {
                            schedule.add(new TraceWriting.Pass(variant, pass > 1 || passes == 1));
                        }
                    }
                    for (int pass = 1; pass <= schedule.size() && !fixed.skipSaturation(); pass++) {
                        TraceWriting.Pass planned = schedule.get(pass - 1);
                        if (switched) {
                            TraceWriting.set(pipeline, planned.writing());
                        }
                        String label = planned.variant();
                        SaturationRun mixed = saturationRun(pipeline, lag, mixed(pipeline, 0, Duration.ofMinutes(5),
                                saturationMessages), s -> s.progress().sent());
                        SaturationRun single = saturationRun(pipeline, lag, single(pipeline, 0,
                                Duration.ofMinutes(5), singleSaturationMessages), s -> s.progress().delivered());
                        boolean counted = planned.counted();
                        (counted ? saturationCosts : firstPassCosts).computeIfAbsent(label,
                                v -> new java.util.ArrayList<>()).add(new FixedRateCost.Result[] {mixed.cost(),
                                single.cost()});
                        double[] run = {messagesPerSecond(mixed.summary()), single.summary().deliveriesPerSecond(),
                                perMessage(mixed.machineBusyMillis(), mixed.summary().progress().sent()),
                                perMessage(single.machineBusyMillis(), single.summary().progress().delivered())};
                        if (counted) {
                            results.computeIfAbsent(label, v -> new java.util.ArrayList<>()).add(run);
                        }
                        report.append(String.format("| %s | %s | %.0f (%s) | %.2f | %.0f (%s) | %.2f | %.1f s, "
                                + "%.1f s |%n", schedule.size() == 1 ? String.valueOf(round) : round + "." + pass
                                + (counted ? "" : switched ? " (compiling, not in the ratios)" : " (first, not in the ratios)"), label,
                                run[0],
                                verdict(mixed.summary()), run[2], run[1], verdict(single.summary()), run[3],
                                mixed.caughtUp().toMillis() / 1000.0, single.caughtUp().toMillis() / 1000.0));
                    }
                    if (fixed.seconds() > 0 && fixed.afterSaturation()) {
                        // On a pipeline the saturation passes have warmed up: the steady state's marginal cost.
                        costs.computeIfAbsent(variant, v -> new java.util.ArrayList<>()).add(
                                fixedRateCosts(pipeline, lag, fixed));
                    }
                }
            }
        }
        List<double[]> off = results.get("off");
        if (off != null) {
            report.append("\n| round | variant | mixed: variant / off | single chat: variant / off | mixed CPU per "
                    + "message: off / variant | single chat CPU per message: off / variant |\n"
                    + "|---|---|---|---|---|---|\n");
            for (int i = 0; i < off.size(); i++) {
                for (var e : results.entrySet()) {
                    if (!e.getKey().equals("off")) {
                        double[] v = e.getValue().get(i);
                        report.append(String.format("| %d | %s | %.3f | %.3f | %.3f | %.3f |%n", i + 1,
                                e.getKey(), v[0] / off.get(i)[0], v[1] / off.get(i)[1], off.get(i)[2] / v[2],
                                off.get(i)[3] / v[3]));
                    }
                }
            }
        }
        if (!firstPassCosts.isEmpty()) {
            report.append(TraceCostReport.render("CPU per message by process, first passes (not in the ratios)",
                    "Each process's CPU over the first saturation run of each pipeline, divided by its messages. CPU "
                            + "ms per message", firstPassCosts));
        }
        if (!saturationCosts.isEmpty()) {
            report.append(TraceCostReport.render("CPU per message by process, in the saturation runs above"
                    + (switched ? " (the pairs' passes)" : passes > 1 ? " (passes 2.." + passes + ")" : ""),
                    "Each process's CPU over the saturation run, divided by its messages. CPU ms per message",
                    saturationCosts));
        }
        if (!costs.isEmpty()) {
            report.append(TraceCostReport.render("Marginal CPU per message by process, at fixed rates",
                    String.format("Mixed at %d msg/s and single chat at %d msg/s for %d s each, after %d s idle "
                            + "(the idle CPU of each process over the run's time is subtracted), %s. CPU ms per "
                            + "message", fixed.mixedRate(), fixed.singleRate(), fixed.seconds(),
                            fixed.idle().toSeconds(), fixed.afterSaturation() ? "after the saturation passes"
                                    : "right after the warm-up"), costs));
        }
        System.out.println("\n" + report);
        Path out = repository.resolve(".local-bench-trace-report.md");
        Files.writeString(out, report.toString());
        System.out.println("(also written to " + out + ")");
    }

    /** One saturation run, its CPU by process and of the machine, and how long after its last delivery it caught up. */
    private record SaturationRun(DeliveryChecker.Summary summary, FixedRateCost.Result cost, long machineBusyMillis,
                                 Duration caughtUp) {
    }

    /**
     * The window ends when the pipeline has caught up, so that the work a run's messages caused (trace events stored,
     * rows persisted) is counted in that run and not in the next, and before the checker reads every row back through
     * the history API (its cost, the same per message in every variant, would dilute the ratios).
     */
    private static SaturationRun saturationRun(LocalPipeline pipeline, LagSampler lag, SimulationSettings settings,
                                               java.util.function.ToLongFunction<DeliveryChecker.Summary> messages)
            throws InterruptedException {
        CloseWhenCaughtUp end = new CloseWhenCaughtUp(lag, FixedRateCost.Window.open(pipeline));
        DeliveryChecker.Summary summary = simulate(pipeline, settings, null, end);
        return new SaturationRun(summary, end.window.cost(messages.applyAsLong(summary)),
                end.window.machineBusyMillis(), end.after);
    }

    /**
     * Marginal CPU per message by process at fixed rates: mixed (per accepted) and single chat (per delivered); each
     * window ends when the pipeline has caught up, before the rows are read back.
     */
    private static FixedRateCost.Result[] fixedRateCosts(LocalPipeline pipeline, LagSampler lag,
                                                         TraceCostReport.Fixed fixed) throws InterruptedException {
        Duration seconds = Duration.ofSeconds(fixed.seconds());
        FixedRateCost.Result mixed = FixedRateCost.measure(pipeline, fixed.idle(), window -> checked(simulate(pipeline,
                mixed(pipeline, fixed.mixedRate(), seconds, 0), null, new CloseWhenCaughtUp(lag, window)))
                .progress().sent());
        FixedRateCost.Result single = FixedRateCost.measure(pipeline, fixed.idle(), window -> checked(simulate(
                pipeline, single(pipeline, fixed.singleRate(), seconds, 0), null, new CloseWhenCaughtUp(lag, window)))
                .progress().delivered());
        return new FixedRateCost.Result[] {mixed, single};
    }

    /** Ends a run's CPU window once the pipeline has caught up ({@link CatchUp}), before the rows are read back. */
    private static final class CloseWhenCaughtUp implements Simulation.AfterDeliveries {

        private final LagSampler lag;
        private final FixedRateCost.Window window;
        private Duration after;

        CloseWhenCaughtUp(LagSampler lag, FixedRateCost.Window window) {
            this.lag = lag;
            this.window = window;
        }

        @Override
        public void run() throws InterruptedException {
            after = CatchUp.await(lag, CATCH_UP_TIMEOUT);
            window.close();
        }
    }

    /** A run whose checks failed measures nothing: stop the benchmark rather than report it. */
    private static DeliveryChecker.Summary checked(DeliveryChecker.Summary summary) {
        if (!summary.passed()) {
            throw new IllegalStateException("a fixed-rate run failed its checks: " + verdict(summary));
        }
        return summary;
    }

    private static LocalPipeline start(Path repository, List<String> appArguments) throws Exception {
        return LocalPipeline.start(new LocalPipeline.Options(repository, repository.resolve(".local"), 9092, 15432,
                "bench-token", "384m", true, appArguments, Duration.ofMinutes(4), 0), System.out);
    }

    private static BareChain.Result bareChain(LocalPipeline pipeline, int rate, Duration duration, String commitMs)
            throws Exception {
        BareChain.Result result = BareChain.run(pipeline.bootstrapServers(), BareChain.Settings.defaults()
                .withRate(rate).withDuration(duration).withRecordBytes(RECORD_BYTES)
                .withCommitInterval(Duration.ofMillis(Long.parseLong(commitMs))));
        System.out.println(result.render());
        return result;
    }

    /** Single chat, one device per user, every user online: the latency path with nothing else in it. */
    private static SimulationSettings single(LocalPipeline pipeline, int rate, Duration duration, int limit) {
        return SimulationSettings.builder(pipeline.bootstrapServers())
                .gateways(5).users(1000).maxDevices(1).offlineShare(0).churnUsers(0)
                .smallGroups(0).largeGroupSize(0).groupShare(0)
                .rate(rate).duration(duration).messageLimit(limit).messageBytes(RECORD_BYTES)
                .duplicateShare(0).badShare(0).scheduledShare(0).senderSync(false)
                .drainTimeout(Duration.ofMinutes(5)).seed(System.nanoTime())
                .workerUrl(pipeline.url("task-worker")).serviceToken(pipeline.serviceToken())
                .build();
    }

    /** What users run: the simulator's mixed profile (single chat online/offline, small groups, a large group). */
    private static SimulationSettings mixed(LocalPipeline pipeline, int rate, Duration duration, int limit) {
        return SimulationSettings.builder(pipeline.bootstrapServers()).profile(TrafficProfile.MIXED)
                .rate(rate).duration(duration).messageLimit(limit).messageBytes(RECORD_BYTES)
                .drainTimeout(Duration.ofMinutes(5)).seed(System.nanoTime())
                .workerUrl(pipeline.url("task-worker")).serviceToken(pipeline.serviceToken())
                .build();
    }

    private static DeliveryChecker.Summary simulate(LocalPipeline pipeline, SimulationSettings settings,
                                                    Map<String, Long> peakRss) throws InterruptedException {
        return simulate(pipeline, settings, peakRss, () -> { });
    }

    private static DeliveryChecker.Summary simulate(LocalPipeline pipeline, SimulationSettings settings,
                                                    Map<String, Long> peakRss,
                                                    Simulation.AfterDeliveries afterDeliveries)
            throws InterruptedException {
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        if (peakRss != null) {
            sampler.scheduleAtFixedRate(() -> {
                for (AppProcess app : pipeline.apps()) {
                    peakRss.merge(app.instanceId(), app.residentMegabytes(), Math::max);
                }
            }, 1, 1, TimeUnit.SECONDS);
        }
        try {
            DeliveryChecker.Summary summary = new Simulation(settings).run(p -> { }, Duration.ofSeconds(5),
                    afterDeliveries);
            System.out.print(summary.render());
            return summary;
        } finally {
            sampler.shutdownNow();
        }
    }

    /**
     * The CPUs this JVM may use and, under {@code bench/pinned} ({@value #PINNING}), which processes run where: the
     * pinned benchmark's JVM sees only the store's CPUs.
     */
    private static String cores() {
        String cores = Runtime.getRuntime().availableProcessors() + " cores";
        String pinning = System.getenv(PINNING);
        return pinning == null || pinning.isBlank() ? cores : cores + " for the benchmark's JVM (" + pinning.strip()
                + ")";
    }

    /** Busy CPU milliseconds per message; NaN without {@code /proc/stat}. */
    private static double perMessage(long busyMillis, long messages) {
        return busyMillis < 0 || messages <= 0 ? Double.NaN : (double) busyMillis / messages;
    }

    /** Accepted messages per second, from the first send to the last delivery. */
    private static double messagesPerSecond(DeliveryChecker.Summary s) {
        long span = s.lastDeliveredAt() - s.firstSentAt();
        return span <= 0 ? 0 : s.progress().sent() * 1000.0 / span;
    }

    private static String verdict(DeliveryChecker.Summary s) {
        return s.passed() ? "all checks passed" : "CHECKS FAILED: " + s.failures().stream().limit(2).toList();
    }

    private static String latency(DeliveryChecker.Summary s) {
        return String.format("p50 %.0f ms, p95 %.0f ms, p99 %.0f ms, max %.0f ms (%d samples, %s)", s.p50Millis(),
                s.p95Millis(), s.p99Millis(), s.maxMillis(), s.latencySamples(), verdict(s));
    }

    /** The value of {@code --name=value} among the arguments, or the fallback. */
    static String arg(String[] args, String name, String fallback) {
        for (String a : args) {
            if (a.startsWith(name + "=")) {
                return a.substring(name.length() + 1);
            }
        }
        return fallback;
    }
}
