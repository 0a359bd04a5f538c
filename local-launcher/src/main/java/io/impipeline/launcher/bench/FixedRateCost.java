package io.impipeline.launcher.bench;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import io.impipeline.launcher.LocalPipeline;

/**
 * What a message costs in CPU, per process, at a fixed rate below saturation (issue 15's trace overhead): the
 * pipeline idles for a while (what polling, commits and heartbeats cost without traffic), then runs the traffic; the
 * run's CPU per process ({@link ProcessCpu}) minus the idle cost over the same time, divided by the messages, is the
 * marginal cost of a message in each process. Unlike a saturation rate it does not depend on which process the
 * scheduler favoured on a machine whose cores are all busy, and on a CPU-bound machine throughput is its inverse.
 */
final class FixedRateCost {

    /** The run's traffic: returns the messages it accounted for (sent or delivered). */
    @FunctionalInterface
    interface Traffic {
        long run() throws InterruptedException;
    }

    /** Marginal CPU milliseconds per message, by process group, and the total over all groups. */
    record Result(Map<String, Double> perMessage, long messages) {

        /** The pipeline's cost: every process but the benchmark's own (the simulator stands for the gateways). */
        double total() {
            return perMessage.entrySet().stream().filter(e -> !e.getKey().equals(ProcessCpu.SIMULATOR))
                    .mapToDouble(Map.Entry::getValue).sum();
        }
    }

    private FixedRateCost() {
    }

    /**
     * @param idle how long to measure the idle cost first; zero: none is subtracted (a saturation run, where the
     *             pipeline is never idle)
     */
    static Result measure(LocalPipeline pipeline, Duration idle, Traffic traffic) throws InterruptedException {
        Map<String, Long> idleSpent = Map.of();
        double idleSeconds = 1;
        if (!idle.isZero()) {
            Map<String, Long> idleStart = ProcessCpu.snapshot(pipeline.apps());
            long idleStartNanos = System.nanoTime();
            Thread.sleep(idle.toMillis());
            idleSpent = ProcessCpu.between(idleStart, ProcessCpu.snapshot(pipeline.apps()));
            idleSeconds = (System.nanoTime() - idleStartNanos) / 1e9;
        }
        Map<String, Long> idleCost = idleSpent;
        double idleTime = idleSeconds;

        Map<String, Long> runStart = ProcessCpu.snapshot(pipeline.apps());
        long runStartNanos = System.nanoTime();
        long messages = traffic.run();
        Map<String, Long> runSpent = ProcessCpu.between(runStart, ProcessCpu.snapshot(pipeline.apps()));
        double runSeconds = (System.nanoTime() - runStartNanos) / 1e9;

        Map<String, Double> perMessage = new TreeMap<>();
        runSpent.forEach((group, ms) -> {
            double idleMs = idleCost.getOrDefault(group, 0L) * runSeconds / idleTime;
            perMessage.put(group, messages <= 0 ? Double.NaN : Math.max(0, ms - idleMs) / messages);
        });
        return new Result(perMessage, messages);
    }
}
