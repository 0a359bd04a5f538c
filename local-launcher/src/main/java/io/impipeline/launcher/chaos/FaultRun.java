package io.impipeline.launcher.chaos;

import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.impipeline.launcher.AppProcess;
import io.impipeline.launcher.LocalPipeline;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.simulator.DeliveryChecker;
import io.impipeline.simulator.ProgressLine;
import io.impipeline.simulator.Simulation;
import io.impipeline.simulator.SimulationSettings;

/**
 * One simulator run against a running pipeline with a fault injected while it sends: the simulation runs in the
 * calling thread; a fault thread waits for the first message sent and the first delivery (at most
 * {@link #FIRST_DELIVERY_WAIT}: a fault means nothing before the pipeline flows), waits {@code faultDelay}, then runs
 * the {@link Fault} (which notes its instants in {@link Marks}). Meanwhile a {@link DeliveryWatch} notes every gateway
 * record and every app's resident memory is sampled each second.
 */
public final class FaultRun {

    /** What is done to the pipeline, in the fault thread; it notes when things happened. */
    @FunctionalInterface
    public interface Fault {
        void inject(FaultContext context) throws Exception;
    }

    /**
     * What a fault works with.
     *
     * @param sendStart epoch milliseconds of the first message sent
     * @param traffic   how long the simulation sends
     */
    public record FaultContext(LocalPipeline pipeline, Simulation simulation, Marks marks, long sendStart,
                               Duration traffic) {

        /** Epoch milliseconds when the simulation stops sending. */
        public long sendEnd() {
            return sendStart + traffic.toMillis();
        }
    }

    /** Named instants (epoch milliseconds) of a fault: {@code fault}, {@code restart}, ... */
    public static final class Marks {
        private final Map<String, Long> instants = new ConcurrentHashMap<>();
        private final Map<String, String> notes = new ConcurrentHashMap<>();

        public long mark(String name) {
            long now = System.currentTimeMillis();
            instants.put(name, now);
            return now;
        }

        /** A mark at a known instant (e.g. when the last heartbeat was sent). */
        public void mark(String name, long epochMillis) {
            instants.put(name, epochMillis);
        }

        /** Epoch milliseconds of a mark, or null when it was not reached. */
        public Long get(String name) {
            return instants.get(name);
        }

        public void note(String name, String value) {
            notes.put(name, value);
        }

        public String note(String name) {
            return notes.get(name);
        }
    }

    /**
     * @param summary     the simulator's verdict
     * @param simulation  the run (its population and sent messages)
     * @param marks       the fault's instants
     * @param faultError  what the fault thread threw, or null
     * @param maxRss      peak resident MiB per app instance while the run lasted
     * @param watch       every gateway record the harness saw
     * @param sendStart   epoch milliseconds of the first message sent
     * @param sendEnd     epoch milliseconds when the simulation stopped sending (first send + traffic time)
     */
    public record Result(DeliveryChecker.Summary summary, Simulation simulation, Marks marks, Exception faultError,
                         Map<String, Long> maxRss, DeliveryWatch watch, long sendStart, long sendEnd) {

        /** Ids of scheduled messages ({@code deliver_at}): their arrival is late on purpose, not a recovery. */
        public Set<String> scheduledIds() {
            return simulation.sentMessages().stream().filter(m -> m.deliverAt() != null)
                    .map(UpstreamMessage::messageId).collect(Collectors.toSet());
        }

        /**
         * Messages sent in {@code [mark, mark + length)}, scheduled ones left out, that reached a gateway topic: when
         * the first and the last of them arrived, from the mark.
         */
        public DeliveryWatch.Window window(String mark, Duration length,
                                           java.util.function.Predicate<DeliveryWatch.Arrival> include) {
            Long at = marks.get(mark);
            if (at == null) {
                return new DeliveryWatch.Window(0, null, null, 0);
            }
            Set<String> scheduled = scheduledIds();
            return watch.window(at, length, a -> !scheduled.contains(a.messageId()) && include.test(a));
        }

        public String maxRssText() {
            return maxRss.entrySet().stream().map(e -> e.getKey() + " " + e.getValue() + " MiB")
                    .collect(Collectors.joining(", "));
        }
    }

    /** At most this long from the first message sent to the first delivery before the fault is injected anyway. */
    public static final Duration FIRST_DELIVERY_WAIT = Duration.ofMinutes(2);

    private FaultRun() {
    }

    /**
     * Runs the simulation with the fault. {@code watch} must have been started before (it is left running; the
     * caller closes it).
     */
    public static Result run(LocalPipeline pipeline, SimulationSettings settings, Duration faultDelay, Fault fault,
                             DeliveryWatch watch, PrintStream log) throws InterruptedException {
        Simulation simulation = new Simulation(settings);
        Marks marks = new Marks();
        Exception[] faultError = new Exception[1];
        long[] sendStart = new long[1];
        Thread faultThread = new Thread(() -> {
            try {
                while (simulation.checker().progress().sent() == 0) {
                    Thread.sleep(50);
                }
                sendStart[0] = System.currentTimeMillis();
                // A fault only means something once the pipeline delivers: wait for its first delivery (bounded).
                long deadline = System.currentTimeMillis() + FIRST_DELIVERY_WAIT.toMillis();
                while (simulation.checker().progress().delivered() == 0 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(50);
                }
                if (simulation.checker().progress().delivered() > 0) {
                    marks.mark("first-delivery");
                }
                Thread.sleep(faultDelay.toMillis());
                fault.inject(new FaultContext(pipeline, simulation, marks, sendStart[0], settings.duration()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                faultError[0] = e;
                log.println("the fault failed: " + e);
                e.printStackTrace(log);
            }
        }, "chaos-fault");
        Map<String, Long> maxRss = new ConcurrentHashMap<>();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> {
            for (AppProcess app : pipeline.apps()) {
                if (app.isAlive()) {
                    maxRss.merge(app.instanceId(), app.residentMegabytes(), Math::max);
                }
            }
        }, 0, 1, TimeUnit.SECONDS);
        faultThread.setDaemon(true);
        faultThread.start();
        DeliveryChecker.Summary summary;
        try {
            summary = simulation.run(p -> log.println(ProgressLine.of(p)), Duration.ofSeconds(2));
        } catch (InterruptedException | RuntimeException e) {
            faultThread.interrupt();
            throw e;
        } finally {
            sampler.shutdownNow();
        }
        // A fault that lasts beyond the traffic (it should not) gets a little time, then the run is judged.
        faultThread.join(Duration.ofMinutes(2).toMillis());
        if (faultThread.isAlive()) {
            faultThread.interrupt();
            faultError[0] = new IllegalStateException("the fault had not finished when the simulation ended");
        }
        watch.awaitQuiet(Duration.ofSeconds(2), Duration.ofSeconds(15));
        log.print(summary.render());
        Map<String, Long> rss = new LinkedHashMap<>();
        pipeline.apps().forEach(a -> {
            if (maxRss.containsKey(a.instanceId())) {
                rss.put(a.instanceId(), maxRss.get(a.instanceId()));
            }
        });
        long start = sendStart[0] != 0 ? sendStart[0] : summary.firstSentAt();
        return new Result(summary, simulation, marks, faultError[0], rss, watch, start,
                start + settings.duration().toMillis());
    }

    /** kill -9 of one app instance, restarted after {@code restartAfter} (null: not restarted). */
    public static Fault killApp(String module, int instance, Duration restartAfter) {
        return c -> {
            Marks marks = c.marks();
            AppProcess app = c.pipeline().apps(module).get(instance);
            marks.note("victim", app.instanceId() + " (pid " + app.pid() + ")");
            marks.mark("fault");
            app.kill();
            if (restartAfter != null) {
                Thread.sleep(restartAfter.toMillis());
                marks.mark("restart");
                app.restart();
            }
        };
    }

    /** Waits (at most {@code timeout}) until every running app says UP; a dead one is reported, not waited for. */
    public static void awaitHealthy(LocalPipeline pipeline, Duration timeout) throws InterruptedException {
        for (AppProcess app : pipeline.apps()) {
            if (app.isAlive()) {
                app.awaitHealthy(timeout);
            }
        }
    }
}
