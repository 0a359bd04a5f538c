package io.impipeline.simulator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Failed checks by kind: how many of each and a few examples. Thread-safe. */
final class Failures {

    private static final int EXAMPLES = 5;

    private final Map<String, Long> counts = new LinkedHashMap<>();
    private final Map<String, List<String>> examples = new LinkedHashMap<>();

    /** One failure of kind {@code what} (a plural noun phrase, e.g. "duplicate pushes"). */
    synchronized void add(String what, String example) {
        counts.merge(what, 1L, Long::sum);
        List<String> list = examples.computeIfAbsent(what, w -> new ArrayList<>());
        if (list.size() < EXAMPLES) {
            list.add(example);
        }
    }

    synchronized long total() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    synchronized Failures copy() {
        Failures copy = new Failures();
        counts.forEach((k, v) -> copy.counts.put(k, v));
        examples.forEach((k, v) -> copy.examples.put(k, new ArrayList<>(v)));
        return copy;
    }

    /** One line per kind: {@code "3 duplicate pushes, e.g. [a, b, c]"}. */
    synchronized List<String> lines() {
        List<String> lines = new ArrayList<>();
        counts.forEach((what, n) -> lines.add(n + " " + what + ", e.g. " + examples.get(what)));
        return lines;
    }
}
