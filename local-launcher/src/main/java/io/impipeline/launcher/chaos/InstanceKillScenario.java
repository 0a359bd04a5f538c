package io.impipeline.launcher.chaos;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.impipeline.launcher.LocalPipeline;

/**
 * Scenario 2: two instances of the router and of the dispatcher (standby replicas on), 1 broker. kill -9 of the
 * second router instance, not restarted (one run), then of the second dispatcher instance, not restarted (a second
 * run on the same pipeline, with one router left). Target: the survivor takes over within 15 s, nothing lost or
 * duplicated.
 * <p>Time to recover: from the kill until the last of the messages sent in the first second after the kill is
 * readable in its gateway topic. About half of them go through the killed instance's tasks and wait until the
 * survivor has taken those over (session timeout, rebalance, restore from the standby), so this is the takeover
 * time as a sender sees it.
 */
public final class InstanceKillScenario implements Scenario {

    public static final Duration BOUND = Duration.ofSeconds(15);
    static final Map<String, String> PARTS = new LinkedHashMap<>();

    static {
        PARTS.put("2-router", "upstream-router");
        PARTS.put("2-dispatcher", "downstream-dispatcher");
    }

    @Override
    public String number() {
        return "2";
    }

    @Override
    public List<String> parts() {
        return List.copyOf(PARTS.keySet());
    }

    @Override
    public String description() {
        return "kill -9 of one of two router instances, then of one of two dispatcher instances, not restarted";
    }

    @Override
    public void run(ChaosContext context, List<String> selected) throws Exception {
        ChaosSettings s = context.settings();
        context.progress("scenario 2: starting the pipeline (1 broker, 2 instances of the router and dispatcher) ...");
        try (LocalPipeline pipeline = s.startPipeline("scenario-2", 1, 2, List.of(), context.log())) {
            DeliveryWatch watch = DeliveryWatch.start(pipeline.bootstrapServers());
            try {
                long seed = 200;
                for (String part : selected) {
                    String module = PARTS.get(part);
                    Duration delay = s.faultDelay(s.seconds());
                    context.progress(part + ": kill -9 of " + module + " instance 2 after " + Outcome.seconds(delay)
                            + ", not restarted ...");
                    FaultRun.Result r = FaultRun.run(pipeline, s.traffic(pipeline, s.rate(), s.seconds(), seed++)
                            .build(), delay, FaultRun.killApp(module, 1, null), watch, context.log());
                    DeliveryWatch.Window w = r.window("fault", AppKillScenario.WINDOW, a -> true);
                    context.report(Outcome.of(r, part, "1 broker, 2 instances", "kill -9 " + module
                                    + " instance 2 of 2, not restarted", w.last(),
                            "kill to the arrival of the last of the messages sent in the first second after it ("
                                    + w.messages() + " messages)", BOUND, null, List.of(),
                            "first of them after " + Outcome.seconds(w.first()) + ", max latency "
                                    + w.maxLatencyMillis() + " ms; victim " + r.marks().note("victim") + "; "
                                    + r.summary().progress().sent() + " messages sent"));
                    FaultRun.awaitHealthy(pipeline, Duration.ofMinutes(3));
                }
            } finally {
                watch.close();
            }
        }
    }
}
