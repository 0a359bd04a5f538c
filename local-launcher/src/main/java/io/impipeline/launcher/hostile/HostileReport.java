package io.impipeline.launcher.hostile;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.impipeline.simulator.DeliveryChecker;

/**
 * What a hostile run found: one row per record (expected, observed, whether they agree), the counts per target and
 * outcome (which must add up to the corpus), the global-table skip counters, the simulator's verdict and the apps'
 * health at the end. {@link #passed()} only when all of it holds.
 */
public final class HostileReport {

    /** One record's line of the table. */
    public record Row(HostileRecord record, String expected, String observed, String outcome, boolean ok) {
    }

    /**
     * A global table's counter: how much it grew during the run (a gauge: its value, {@code before} 0), and how much
     * the corpus says it must.
     *
     * @param counter {@link Expectation.Skipped#DROPPED} or {@link Expectation.Skipped#UNREADABLE}
     */
    public record SkipCount(String app, String counter, String metric, double before, double after, int expected,
                            boolean found) {
        public boolean ok() {
            return found && Math.round(after - before) == expected;
        }

        @Override
        public String toString() {
            return found ? String.format("%s `%s`: +%d (expected +%d)%s", app, metric, Math.round(after - before),
                    expected, ok() ? "" : " MISMATCH") : app + ": metric `" + metric + "` NOT FOUND";
        }
    }

    private final List<Row> rows;
    private final List<SkipCount> skips;
    private final DeliveryChecker.Summary simulation;
    private final List<String> health;
    private final List<String> healthFailures;
    private final Map<String, String> context;
    private final String sabotaged;

    HostileReport(List<Row> rows, List<SkipCount> skips, DeliveryChecker.Summary simulation, List<String> health,
                  List<String> healthFailures, Map<String, String> context, String sabotaged) {
        this.rows = List.copyOf(rows);
        this.skips = List.copyOf(skips);
        this.simulation = simulation;
        this.health = List.copyOf(health);
        this.healthFailures = List.copyOf(healthFailures);
        this.context = new LinkedHashMap<>(context);
        this.sabotaged = sabotaged;
    }

    public List<Row> rows() {
        return rows;
    }

    public List<Row> failedRows() {
        return rows.stream().filter(r -> !r.ok()).toList();
    }

    public List<SkipCount> skips() {
        return skips;
    }

    public DeliveryChecker.Summary simulation() {
        return simulation;
    }

    public List<String> healthFailures() {
        return healthFailures;
    }

    /** Hostile records (canaries not counted) per target. */
    public Map<Target, Integer> corpusSize() {
        Map<Target, Integer> sizes = new LinkedHashMap<>();
        for (Target t : Target.values()) {
            sizes.put(t, 0);
        }
        rows.stream().filter(r -> r.record().phase() != HostileRecord.Phase.CANARY)
                .forEach(r -> sizes.merge(r.record().target(), 1, Integer::sum));
        return sizes;
    }

    /** target -> outcome -> count, over the hostile records (canaries not counted). */
    public Map<Target, Map<String, Integer>> outcomes() {
        Map<Target, Map<String, Integer>> out = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.record().phase() == HostileRecord.Phase.CANARY) {
                continue;
            }
            out.computeIfAbsent(r.record().target(), t -> new TreeMap<>()).merge(r.outcome(), 1, Integer::sum);
        }
        return out;
    }

    /** Every outcome count of a target adds up to its corpus size, and nothing is left "unaccounted". */
    public boolean countsAddUp() {
        Map<Target, Integer> sizes = corpusSize();
        for (Map.Entry<Target, Map<String, Integer>> e : outcomes().entrySet()) {
            int sum = e.getValue().values().stream().mapToInt(Integer::intValue).sum();
            if (sum != sizes.get(e.getKey()) || e.getValue().containsKey(UNACCOUNTED)) {
                return false;
            }
        }
        return true;
    }

    static final String UNACCOUNTED = "unaccounted";

    public boolean passed() {
        return failedRows().isEmpty() && skips.stream().allMatch(SkipCount::ok)
                && (simulation == null || simulation.passed()) && healthFailures.isEmpty() && countsAddUp();
    }

    /** The reasons the run failed, one line each (empty when it passed). */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        failedRows().forEach(r -> problems.add(r.record().id() + " (" + r.record().target().label() + "): expected "
                + r.expected() + ", observed " + r.observed()));
        skips.stream().filter(s -> !s.ok()).forEach(s -> problems.add("skip counter: " + s));
        if (simulation != null && !simulation.passed()) {
            problems.add("simulator checks failed: " + simulation.failures());
        }
        problems.addAll(healthFailures);
        if (!countsAddUp()) {
            problems.add("outcome counts do not add up to the corpus: " + outcomes() + " vs " + corpusSize());
        }
        return problems;
    }

    /** The markdown report: context, summary, the table, skip counters, gaps, simulator, health. */
    public String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("## Hostile corpus at system level (issue 12)\n\n");
        context.forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
        if (sabotaged != null) {
            b.append("- **SABOTAGED**: the expectation of `").append(sabotaged)
                    .append("` was deliberately made wrong (`--sabotage`): this run must fail on it\n");
        }
        b.append("- verdict: **").append(passed() ? "PASSED" : "FAILED").append("**\n\n");

        b.append("### Corpus and outcomes per target\n\n");
        b.append("| target | records | outcomes (they add up to the records) |\n|---|---:|---|\n");
        Map<Target, Map<String, Integer>> outcomes = outcomes();
        corpusSize().forEach((t, n) -> {
            Map<String, Integer> o = outcomes.getOrDefault(t, Map.of());
            StringBuilder cell = new StringBuilder();
            o.forEach((k, v) -> cell.append(cell.length() == 0 ? "" : ", ").append(v).append(" ").append(k));
            b.append("| ").append(t.label()).append(" | ").append(n).append(" | ").append(cell).append(" |\n");
        });
        b.append("| **total** | ").append(corpusSize().values().stream().mapToInt(Integer::intValue).sum())
                .append(" | plus ").append(rows.stream().filter(r -> r.record().phase() == HostileRecord.Phase.CANARY)
                        .count()).append(" canaries sent after everything |\n\n");

        b.append("### Every record\n\n");
        b.append("| # | record | target | expected | observed | |\n|---:|---|---|---|---|---|\n");
        int i = 0;
        for (Row r : rows) {
            b.append("| ").append(++i).append(" | `").append(r.record().id()).append("` ")
                    .append(cell(r.record().description()))
                    .append(r.record().gap() == null ? "" : " (gap, see below)")
                    .append(" | ").append(r.record().target().label())
                    .append(" | ").append(cell(r.expected()))
                    .append(" | ").append(cell(r.observed()))
                    .append(" | ").append(r.ok() ? "ok" : "**FAIL**").append(" |\n");
        }
        b.append('\n');

        b.append("### Records kept out by the global tables\n\n");
        b.append("A global table cannot dead-letter. Kafka Streams drops a record of a global table that has no key, ")
                .append("or that the table's deserializer refuses (the router's group table validates with ")
                .append("`ValidatingSerde`, `deserialization-exception-handler: logAndContinue`), and counts it in ")
                .append("the `dropped-records` sensor of the global task (`task_id=\"-1_-1\"`, at ")
                .append("`/actuator/prometheus`); the task-worker dead-letters the bad group records. The ")
                .append("dispatcher's gateway table holds bytes: a bad heartbeat is stored under its key, listed ")
                .append("`unreadable` with its reason by `GET /api/v1/gateways`, counts as no heartbeat, and the ")
                .append("gauge `im_dispatcher_gateways_unreadable` counts such entries.\n\n");
        skips.forEach(s -> b.append("- ").append(s).append('\n'));
        b.append('\n');

        List<Row> gaps = rows.stream().filter(r -> r.record().gap() != null).toList();
        if (!gaps.isEmpty()) {
            b.append("### Gaps the corpus shows (the records pass; the behaviour is worth a decision)\n\n");
            gaps.forEach(r -> b.append("- `").append(r.record().id()).append("`: ").append(r.record().gap())
                    .append('\n'));
            b.append('\n');
        }

        if (simulation != null) {
            b.append("### Simulator (normal traffic during the run)\n\n```\n").append(simulation.render())
                    .append("```\n\n");
        }
        b.append("### Apps at the end\n\n");
        health.forEach(h -> b.append("- ").append(h).append('\n'));
        if (!passed()) {
            b.append("\n### Problems\n\n");
            problems().forEach(p -> b.append("- ").append(cell(p)).append('\n'));
        }
        return b.toString();
    }

    private static String cell(String s) {
        String t = s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
        return t.length() > 400 ? t.substring(0, 400) + "..." : t;
    }
}
