package io.impipeline.launcher.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * CPU per message by process in {@code bench/run --trace-overhead} (saturation runs, and marginal at fixed rates)
 * for each variant and round ({@link FixedRateCost}), what trace on adds per process, and off / variant of the total
 * (the throughput ratio on a CPU-bound machine) per round with its spread.
 */
final class TraceCostReport {

    private static final String[] TRAFFIC = {"mixed (per accepted message)", "single chat (per delivered message)"};

    /**
     * {@code --fixed-seconds} (0: no fixed-rate runs), {@code --fixed-mixed-rate}, {@code --fixed-single-rate},
     * {@code --idle-seconds}, {@code --skip-saturation}, {@code --fixed-after-saturation} (the fixed-rate runs on the
     * pipeline the saturation passes have warmed up, instead of right after the short warm-up).
     */
    record Fixed(int seconds, int mixedRate, int singleRate, Duration idle, boolean skipSaturation,
                 boolean afterSaturation) {

        static Fixed parse(String[] args) {
            return new Fixed(Integer.parseInt(PipelineBenchmark.arg(args, "--fixed-seconds", "60")),
                    Integer.parseInt(PipelineBenchmark.arg(args, "--fixed-mixed-rate", "80")),
                    Integer.parseInt(PipelineBenchmark.arg(args, "--fixed-single-rate", "500")),
                    Duration.ofSeconds(Integer.parseInt(PipelineBenchmark.arg(args, "--idle-seconds", "20"))),
                    Arrays.asList(args).contains("--skip-saturation"),
                    Arrays.asList(args).contains("--fixed-after-saturation"));
        }
    }

    private TraceCostReport() {
    }

    /**
     * @param title   the section's heading
     * @param measure what was measured, a sentence without its full stop
     * @param costs   per variant, per round: {mixed, single chat}
     */
    static String render(String title, String measure, Map<String, List<FixedRateCost.Result[]>> costs) {
        StringBuilder out = new StringBuilder();
        out.append("\n### ").append(title).append("\n\n").append(measure)
                .append("; the total is the pipeline's (apps, Kafka, PostgreSQL), without the benchmark's own JVM, ")
                .append("which plays the gateways and checks every delivery.\n\n");
        TreeSet<String> groups = new TreeSet<>();
        costs.values().forEach(rounds -> rounds.forEach(r -> {
            groups.addAll(r[0].perMessage().keySet());
            groups.addAll(r[1].perMessage().keySet());
        }));
        if (groups.stream().anyMatch(g -> g.endsWith(ProcessCpu.ROCKSDB_SUFFIX))) {
            out.append("A Streams app's RocksDB flush and compaction threads are a column of their own (\"")
                    .append(ProcessCpu.ROCKSDB_SUFFIX.substring(2))
                    .append("\"), taken out of the app's: how much they do in a run varies between identical runs.\n\n");
        }
        out.append("| traffic | variant | round | total |");
        groups.forEach(g -> out.append(' ').append(g).append(" |"));
        out.append("\n|---|---|---|---|").append("---|".repeat(groups.size())).append('\n');
        for (int t = 0; t < TRAFFIC.length; t++) {
            for (var variant : costs.entrySet()) {
                for (int round = 0; round < variant.getValue().size(); round++) {
                    FixedRateCost.Result r = variant.getValue().get(round)[t];
                    out.append(String.format("| %s | %s | %d | %.3f |", TRAFFIC[t], variant.getKey(), round + 1,
                            r.total()));
                    groups.forEach(g -> out.append(String.format(" %.3f |", r.perMessage().getOrDefault(g, 0.0))));
                    out.append('\n');
                }
            }
        }
        List<FixedRateCost.Result[]> off = costs.get("off");
        if (off == null) {
            return out.toString();
        }
        out.append("\n| traffic | variant | off / variant of the total, per round | median | ratio of the means | what the "
                + "variant adds per process (ms per message, mean over rounds) |\n|---|---|---|---|---|---|\n");
        for (int t = 0; t < TRAFFIC.length; t++) {
            for (var variant : costs.entrySet()) {
                if (variant.getKey().equals("off")) {
                    continue;
                }
                int n = Math.min(off.size(), variant.getValue().size());
                List<Double> ratios = new ArrayList<>();
                StringBuilder added = new StringBuilder();
                double offSum = 0;
                double variantSum = 0;
                for (int i = 0; i < n; i++) {
                    ratios.add(off.get(i)[t].total() / variant.getValue().get(i)[t].total());
                    offSum += off.get(i)[t].total();
                    variantSum += variant.getValue().get(i)[t].total();
                }
                for (String g : groups) {
                    double sum = 0;
                    for (int i = 0; i < n; i++) {
                        sum += variant.getValue().get(i)[t].perMessage().getOrDefault(g, 0.0)
                                - off.get(i)[t].perMessage().getOrDefault(g, 0.0);
                    }
                    added.append(String.format("%s %+.3f; ", g, sum / n));
                }
                out.append(String.format("| %s | %s | %s | %.3f | %.3f | %s |%n", TRAFFIC[t], variant.getKey(),
                        ratios.stream().map(r -> String.format("%.3f", r)).toList(), median(ratios),
                        offSum / variantSum, added));
            }
        }
        return out.toString();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n == 0 ? Double.NaN : n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
