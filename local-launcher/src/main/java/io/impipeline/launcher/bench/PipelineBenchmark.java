package io.impipeline.launcher.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.impipeline.launcher.AppProcess;
import io.impipeline.launcher.LocalPipeline;
import io.impipeline.simulator.DeliveryChecker;
import io.impipeline.simulator.Simulation;
import io.impipeline.simulator.SimulationSettings;

/**
 * {@code bench/run}: the pipeline benchmark of issue 8. Starts the whole pipeline as {@code ./run-local} does, then
 * measures (1) the raw Kafka ceiling, (2) pipeline saturation throughput for single chat with 1 KiB messages, (3)
 * end-to-end latency at a fixed rate with the default commit interval and (4) with a tuned one, and the resident
 * memory of each app under load. Prints a markdown report.
 */
public final class PipelineBenchmark {

    private static final int RECORD_BYTES = 1024;
    private static final int WARM_UP_RATE = 300;
    private static final Duration WARM_UP = Duration.ofSeconds(15);

    private PipelineBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int saturationMessages = Integer.parseInt(arg(args, "--saturation-messages", "20000"));
        int rate = Integer.parseInt(arg(args, "--rate", "1000"));
        Duration duration = Duration.ofSeconds(Long.parseLong(arg(args, "--seconds", "30")));
        String tunedCommit = arg(args, "--tuned-commit-ms", "50");
        Path repository = Path.of("").toAbsolutePath();

        StringBuilder report = new StringBuilder();
        report.append("Measured ").append(LocalDate.now()).append(" on ").append(Runtime.getRuntime()
                .availableProcessors()).append(" cores, Java ").append(System.getProperty("java.version"))
                .append("; single-node KRaft broker, every app its own JVM (-Xmx384m, SerialGC), ")
                .append(RECORD_BYTES).append("-byte messages, single chat, no sync copies.\n\n");

        Map<String, String> rows = new LinkedHashMap<>();
        Map<String, Long> peakRss = new LinkedHashMap<>();
        try (LocalPipeline pipeline = start(repository, List.of())) {
            // Warm-up (JIT, stores, group joins) before anything is measured.
            simulate(pipeline, WARM_UP_RATE, WARM_UP, 0, null);
            double ceiling = KafkaCeiling.recordsPerSecond(pipeline.bootstrapServers(), saturationMessages * 2,
                    RECORD_BYTES);
            rows.put("raw Kafka produce->consume (ceiling)", String.format("%.0f records/s", ceiling));
            DeliveryChecker.Summary saturation = simulate(pipeline, 0, Duration.ofMinutes(5), saturationMessages, null);
            rows.put("pipeline saturation (delivered messages/s)", String.format("%.0f msg/s = %.1f %% of the ceiling"
                    + " (%s)", saturation.deliveriesPerSecond(), 100 * saturation.deliveriesPerSecond() / ceiling,
                    saturation.passed() ? "all checks passed" : "CHECKS FAILED"));
            DeliveryChecker.Summary fixed = simulate(pipeline, rate, duration, 0, peakRss);
            rows.put("latency at " + rate + " msg/s, default commit interval", latency(fixed));
        }
        try (LocalPipeline pipeline = start(repository, List.of(
                "--im.streams.commit-interval=" + tunedCommit + "ms"))) {
            simulate(pipeline, WARM_UP_RATE, WARM_UP, 0, null);
            DeliveryChecker.Summary tuned = simulate(pipeline, rate, duration, 0, null);
            rows.put("latency at " + rate + " msg/s, commit.interval.ms=" + tunedCommit, latency(tuned));
        }
        report.append("| measure | result |\n|---|---|\n");
        rows.forEach((k, v) -> report.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        report.append("\nResident memory (VmRSS) of each app, peak while sending ").append(rate).append(" msg/s:\n\n");
        report.append("| app | peak RSS |\n|---|---|\n");
        peakRss.forEach((k, v) -> report.append("| ").append(k).append(" | ").append(v).append(" MiB |\n"));
        System.out.println("\n" + report);
        Path out = repository.resolve(".local-bench-report.md");
        Files.writeString(out, report.toString());
        System.out.println("(also written to " + out + ")");
    }

    private static LocalPipeline start(Path repository, List<String> appArguments) throws Exception {
        return LocalPipeline.start(new LocalPipeline.Options(repository, repository.resolve(".local"), 9092, 15432,
                "bench-token", "384m", true, appArguments, Duration.ofMinutes(4), 0), System.out);
    }

    private static DeliveryChecker.Summary simulate(LocalPipeline pipeline, int rate, Duration duration, int limit,
                                                    Map<String, Long> peakRss) throws InterruptedException {
        SimulationSettings settings = SimulationSettings.builder(pipeline.bootstrapServers())
                .gateways(5).users(1000).maxDevices(1).offlineShare(0).churnUsers(0)
                .smallGroups(0).largeGroupSize(0).groupShare(0)
                .rate(rate).duration(duration).messageLimit(limit).messageBytes(RECORD_BYTES)
                .duplicateShare(0).badShare(0).scheduledShare(0).senderSync(false)
                .drainTimeout(Duration.ofMinutes(5)).seed(System.nanoTime())
                .workerUrl(pipeline.url("task-worker")).serviceToken(pipeline.environment().get("IM_SERVICE_TOKEN"))
                .build();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        if (peakRss != null) {
            sampler.scheduleAtFixedRate(() -> {
                for (AppProcess app : pipeline.apps()) {
                    peakRss.merge(app.spec().module(), app.residentMegabytes(), Math::max);
                }
            }, 1, 1, TimeUnit.SECONDS);
        }
        try {
            DeliveryChecker.Summary summary = new Simulation(settings).run(p -> { }, Duration.ofSeconds(5));
            System.out.print(summary.render());
            return summary;
        } finally {
            sampler.shutdownNow();
        }
    }

    private static String latency(DeliveryChecker.Summary s) {
        return String.format("p50 %.0f ms, p95 %.0f ms, p99 %.0f ms, max %.0f ms (%d samples, %s)", s.p50Millis(),
                s.p95Millis(), s.p99Millis(), s.maxMillis(), s.latencySamples(),
                s.passed() ? "all checks passed" : "CHECKS FAILED");
    }

    private static String arg(String[] args, String name, String fallback) {
        List<String> list = new ArrayList<>(List.of(args));
        for (String a : list) {
            if (a.startsWith(name + "=")) {
                return a.substring(name.length() + 1);
            }
        }
        return fallback;
    }
}
