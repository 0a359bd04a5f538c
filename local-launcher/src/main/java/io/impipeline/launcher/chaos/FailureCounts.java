package io.impipeline.launcher.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.impipeline.simulator.DeliveryChecker;

/**
 * The simulator's failed checks ({@link DeliveryChecker.Summary#failures()}, one line per kind: {@code "N what, e.g.
 * [...]"}) sorted into what a chaos run reports. Counts are failed checks: (message, user) pairs for deliveries and
 * pushes, messages for persistence, conversations for seq.
 * <ul>
 *   <li>lost: expected deliveries that never arrived, missing offline pushes, messages neither delivered nor pushed
 *       to a user whose presence changed, accepted messages without their row (or persist task), bad records not
 *       dead-lettered;</li>
 *   <li>duplicated: one message twice to one device, pushed twice, delivered and pushed, persist task or row
 *       twice;</li>
 *   <li>seq: conversations whose seq is not gap-free 1..n, one seq for two messages, deliveries out of order, one
 *       message with two seqs;</li>
 *   <li>other: every other failed check (wrong recipient, early scheduled message, ...).</li>
 * </ul>
 */
public record FailureCounts(long lost, long duplicated, long seqGaps, long other, List<String> otherKinds) {

    private static final Pattern LINE = Pattern.compile("^(\\d+) (.*?)(, e\\.g\\. .*)?$", Pattern.DOTALL);

    public static FailureCounts of(DeliveryChecker.Summary summary) {
        return of(summary.failures());
    }

    public static FailureCounts of(List<String> failures) {
        long lost = 0;
        long duplicated = 0;
        long seq = 0;
        long other = 0;
        List<String> otherKinds = new ArrayList<>();
        for (String line : failures) {
            Matcher m = LINE.matcher(line);
            long n = m.matches() ? Long.parseLong(m.group(1)) : 1;
            String what = m.matches() ? m.group(2) : line;
            switch (kind(what)) {
                case LOST -> lost += n;
                case DUPLICATED -> duplicated += n;
                case SEQ -> seq += n;
                default -> {
                    other += n;
                    otherKinds.add(what);
                }
            }
        }
        return new FailureCounts(lost, duplicated, seq, other, List.copyOf(otherKinds));
    }

    public FailureCounts plus(FailureCounts o) {
        List<String> kinds = new ArrayList<>(otherKinds);
        kinds.addAll(o.otherKinds);
        return new FailureCounts(lost + o.lost, duplicated + o.duplicated, seqGaps + o.seqGaps, other + o.other,
                List.copyOf(kinds));
    }

    enum Kind { LOST, DUPLICATED, SEQ, OTHER }

    /** The kind of one failure line of the checker, by the words it uses. */
    static Kind kind(String what) {
        String w = what.toLowerCase(Locale.ROOT);
        if (w.contains("never arrived") || w.contains("pushes missing") || w.contains("neither delivered nor pushed")
                || w.contains("deliveries missing") || w.contains("without a row")
                || w.contains("without a persist task")
                || w.contains("not found in the dead-letter")) {
            return Kind.LOST;
        }
        if (w.startsWith("duplicate ") || w.contains("delivered and pushed") || w.contains("written twice")
                || w.contains("stored twice")) {
            return Kind.DUPLICATED;
        }
        if (w.contains("seq")) {
            return Kind.SEQ;
        }
        return Kind.OTHER;
    }
}
