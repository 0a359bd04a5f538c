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

    /**
     * The run's traffic: returns the messages it accounted for (sent or delivered). It may close the window before
     * it returns, where the pipeline's work ends before the traffic's (the checker reading every row back).
     */
    @FunctionalInterface
    interface Traffic {
        long run(Window window) throws InterruptedException;
    }

    /** Marginal CPU milliseconds per message, by process group, and the total over all groups. */
    record Result(Map<String, Double> perMessage, long messages) {

        /** The pipeline's cost: every process but the benchmark's own (the simulator stands for the gateways). */
        double total() {
            return perMessage.entrySet().stream().filter(e -> !e.getKey().equals(ProcessCpu.SIMULATOR))
                    .mapToDouble(Map.Entry::getValue).sum();
        }
    }

    /** CPU by process and of the whole machine from {@link #open} to the first {@link #close}. */
    static final class Window {

        private final LocalPipeline pipeline;
        private final Map<String, Long> start;
        private final long startNanos = System.nanoTime();
        private final long machineStart = MachineCpu.busyMillis();
        private Map<String, Long> spent;
        private double seconds;
        private long machineBusy;

        private Window(LocalPipeline pipeline) {
            this.pipeline = pipeline;
            this.start = ProcessCpu.snapshot(pipeline.apps());
        }

        static Window open(LocalPipeline pipeline) {
            return new Window(pipeline);
        }

        /** Ends the window; later calls change nothing. */
        void close() {
            if (spent == null) {
                spent = ProcessCpu.between(start, ProcessCpu.snapshot(pipeline.apps()));
                seconds = (System.nanoTime() - startNanos) / 1e9;
                long end = MachineCpu.busyMillis();
                machineBusy = machineStart < 0 || end < 0 ? -1 : end - machineStart;
            }
        }

        /** Busy milliseconds of the whole machine in the window, -1 without {@code /proc/stat}. */
        long machineBusyMillis() {
            close();
            return machineBusy;
        }

        /** Per message, each process's CPU in the window (a saturation run: nothing idle to subtract). */
        Result cost(long messages) {
            return cost(messages, Map.of(), 1);
        }

        /** Per message, each process's CPU in the window less its idle rate over the window's length. */
        Result cost(long messages, Map<String, Long> idleCost, double idleSeconds) {
            close();
            Map<String, Double> perMessage = new TreeMap<>();
            spent.forEach((group, ms) -> {
                double idleMs = idleCost.getOrDefault(group, 0L) * seconds / idleSeconds;
                perMessage.put(group, messages <= 0 ? Double.NaN : Math.max(0, ms - idleMs) / messages);
            });
            return new Result(perMessage, messages);
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
        Window window = Window.open(pipeline);
        long messages = traffic.run(window);
        return window.cost(messages, idleSpent, idleSeconds);
    }
}
