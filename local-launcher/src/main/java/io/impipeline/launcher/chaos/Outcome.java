package io.impipeline.launcher.chaos;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The verdict of one chaos run: the simulator's failed checks by kind, p99 latency, the time to recover (null:
 * never, within the run) against its bound, and the scenario's own extra checks.
 *
 * @param id             e.g. {@code 1-router}
 * @param shape          brokers and instances, e.g. {@code 1 broker, 1 instance}
 * @param fault          what was done, e.g. {@code kill -9 upstream-router, restarted after 3 s}
 * @param counts         the simulator's failed checks by kind
 * @param checksPassed   whether every check of the simulator passed
 * @param p99Millis      end-to-end p99 over the whole run (client timestamp to gateway receipt), from the simulator
 * @param recovery       time to recover as the scenario defines it; null when it did not happen
 * @param recoveryMeans  what {@code recovery} measured (one phrase)
 * @param bound          the scenario's bound on the recovery time
 * @param p99Bound       bound on p99, null when the scenario has none
 * @param extraFailures  the scenario's own failed checks (empty when all passed)
 * @param detail         further figures (one line)
 * @param report         the simulator's summary (and the scenario's notes), for the report file
 */
public record Outcome(String id, String shape, String fault, FailureCounts counts, boolean checksPassed,
                      double p99Millis, Duration recovery, String recoveryMeans, Duration bound, Duration p99Bound,
                      List<String> extraFailures, String detail, String report) {

    /**
     * An outcome from a fault run: the simulator's verdict, plus the fault thread's error (if any) as a failed
     * extra check.
     */
    public static Outcome of(FaultRun.Result r, String id, String shape, String fault, Duration recovery,
                             String recoveryMeans, Duration bound, Duration p99Bound, List<String> extraFailures,
                             String detail) {
        List<String> extra = new java.util.ArrayList<>(extraFailures);
        if (r.faultError() != null) {
            extra.add("the fault itself failed: " + r.faultError());
        }
        if (r.marks().get("first-delivery") == null) {
            extra.add("nothing was delivered before the fault (the pipeline was not flowing)");
        }
        Long at = r.marks().get("fault");
        if (at != null && at > r.sendEnd()) {
            extra.add("the fault came after sending had stopped (the first delivery took "
                    + seconds(Duration.ofMillis(r.marks().get("first-delivery") == null ? 0
                    : r.marks().get("first-delivery") - r.sendStart())) + ")");
        }
        StringBuilder text = new StringBuilder();
        text.append("fault: ").append(fault).append('\n');
        text.append("time to recover: ").append(seconds(recovery)).append(" = ").append(recoveryMeans).append('\n');
        text.append("details: ").append(detail).append('\n');
        text.append("peak RSS: ").append(r.maxRssText()).append('\n');
        text.append(r.summary().render());
        return new Outcome(id, shape, fault, FailureCounts.of(r.summary()), r.summary().passed(),
                r.summary().p99Millis(), recovery, recoveryMeans, bound, p99Bound, List.copyOf(extra), detail,
                text.toString());
    }

    public boolean passed() {
        return checksPassed && recovery != null && recovery.compareTo(bound) <= 0
                && (p99Bound == null || p99Millis < p99Bound.toMillis()) && extraFailures.isEmpty();
    }

    /** The one line a scenario prints. */
    public String line() {
        return String.format(Locale.ROOT, "%-22s lost %d | duplicated %d | seq gaps %d | other %d | p99 %s | recover %s"
                        + " (bound %s) | %s", id, counts.lost(), counts.duplicated(), counts.seqGaps(), counts.other(),
                millis(p99Millis), seconds(recovery), seconds(bound), passed() ? "PASS" : "FAIL" + why());
    }

    /** An outcome for a part that could not run (its pipeline did not start, ...). */
    public static Outcome didNotRun(String id, Throwable failure, String where) {
        return new Outcome(id, "-", "scenario could not run", new FailureCounts(0, 0, 0, 0, List.of()), false, 0, null,
                NOT_MEASURED, Duration.ZERO, null, List.of("did not run: " + failure), "see " + where,
                String.valueOf(failure));
    }

    static final String NOT_MEASURED = "not measured";

    /** Why it failed, briefly. */
    public String why() {
        if (NOT_MEASURED.equals(recoveryMeans)) {
            return " (" + String.join("; ", extraFailures) + ")";
        }
        StringBuilder b = new StringBuilder();
        if (!checksPassed) {
            b.append("; simulator checks failed");
        }
        if (recovery == null) {
            b.append("; never recovered");
        } else if (recovery.compareTo(bound) > 0) {
            b.append("; recovery over bound");
        }
        if (p99Bound != null && p99Millis >= p99Bound.toMillis()) {
            b.append("; p99 over ").append(seconds(p99Bound));
        }
        extraFailures.forEach(f -> b.append("; ").append(f));
        return b.length() == 0 ? "" : " (" + b.substring(2) + ")";
    }

    static String seconds(Duration d) {
        return d == null ? "never" : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    static String millis(double ms) {
        return ms >= 10_000 ? String.format(Locale.ROOT, "%.1f s", ms / 1000)
                : String.format(Locale.ROOT, "%.0f ms", ms);
    }

    /** A row of the markdown table. */
    public String tableRow() {
        return "| " + id + " | " + shape + " | " + fault + " | " + counts.lost() + " | " + counts.duplicated() + " | "
                + counts.seqGaps() + " | " + counts.other() + " | " + millis(p99Millis) + " | " + seconds(recovery)
                + " (" + recoveryMeans + "; bound " + seconds(bound) + ") | " + detail.replace("|", "/") + " | "
                + (passed() ? "PASS" : "**FAIL**" + why()) + " |";
    }

    public static String tableHeader() {
        return "| scenario | shape | fault | lost | duplicated | seq gaps | other failed checks | p99 "
                + "| time to recover | details | result |\n|---|---|---|---|---|---|---|---|---|---|---|";
    }
}
