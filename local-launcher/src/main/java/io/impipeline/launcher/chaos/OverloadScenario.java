package io.impipeline.launcher.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.impipeline.launcher.LocalPipeline;

/**
 * Scenario 5: the mixed traffic at {@code overloadRate} (default 600 msg/s, about twice the pipeline's saturation
 * on the development machine) for {@code seconds}, 1 broker, 1 instance. Nothing may be lost, the backlog must
 * drain afterwards, and every app's resident memory must stay bounded.
 * <p>Time to recover: from the end of sending until the simulator's checker has everything it expects (every
 * delivery, push, persist task and dead letter: {@code DeliveryChecker.complete()}, polled every second). At twice
 * the saturation rate the backlog takes about as long to drain as the overload lasted; the bound is twice that.
 * Also reported: the pipeline's consumer lag ({@link LagSampler}), largest and when drained, and the peak RSS of
 * each app, which must stay under {@link #RSS_BOUND_MIB} MiB (the per-app target).
 */
public final class OverloadScenario implements Scenario {

    public static final long RSS_BOUND_MIB = 512;

    @Override
    public String number() {
        return "5";
    }

    @Override
    public List<String> parts() {
        return List.of("5-overload");
    }

    @Override
    public String description() {
        return "twice the saturation rate (--overload-rate) for --seconds: nothing lost, drains, RSS bounded";
    }

    @Override
    public void run(ChaosContext context, List<String> selected) throws Exception {
        ChaosSettings s = context.settings();
        Duration bound = s.seconds().multipliedBy(2);
        context.progress("scenario 5: starting the pipeline (1 broker, 1 instance) ...");
        try (LocalPipeline pipeline = s.startPipeline("scenario-5", 1, 1, List.of(), context.log())) {
            DeliveryWatch watch = DeliveryWatch.start(pipeline.bootstrapServers());
            LagSampler lag = LagSampler.start(pipeline.bootstrapServers());
            try {
                context.progress("5-overload: " + s.overloadRate() + " msg/s mixed for " + Outcome.seconds(s.seconds())
                        + " ...");
                long[] lagWhenDrained = {-1};
                FaultRun.Result r = FaultRun.run(pipeline, s.traffic(pipeline, s.overloadRate(), s.seconds(), 500)
                        .build(), Duration.ZERO, c -> {
                            c.marks().mark("fault");
                            long wait = c.sendEnd() - System.currentTimeMillis();
                            if (wait > 0) {
                                Thread.sleep(wait);
                            }
                            c.marks().mark("send-end");
                            long deadline = System.currentTimeMillis() + ChaosSettings.DRAIN_TIMEOUT.toMillis();
                            while (System.currentTimeMillis() < deadline) {
                                if (c.simulation().checker().complete()) {
                                    c.marks().mark("drained");
                                    lagWhenDrained[0] = lag.last();
                                    return;
                                }
                                Thread.sleep(1_000);
                            }
                        }, watch, context.log());
                Long end = r.marks().get("send-end");
                Long drained = r.marks().get("drained");
                Duration recovery = end == null || drained == null ? null : Duration.ofMillis(drained - end);
                List<String> extra = new ArrayList<>();
                for (Map.Entry<String, Long> e : r.maxRss().entrySet()) {
                    if (e.getValue() > RSS_BOUND_MIB) {
                        extra.add(e.getKey() + " RSS " + e.getValue() + " MiB > " + RSS_BOUND_MIB);
                    }
                }
                context.report(Outcome.of(r, "5-overload", "1 broker, 1 instance", s.overloadRate() + " msg/s for "
                                + Outcome.seconds(s.seconds()), recovery,
                        "end of sending until everything expected arrived", bound, null, extra,
                        "max RSS " + r.maxRssText() + "; pipeline lag max " + LagSampler.text(lag.max())
                                + ", when drained " + LagSampler.text(lagWhenDrained[0]) + "; "
                                + r.summary().progress().sent() + " messages sent, "
                                + String.format(java.util.Locale.ROOT, "%.0f", r.summary().deliveriesPerSecond())
                                + " deliveries/s"));
            } finally {
                lag.close();
                watch.close();
            }
        }
    }
}
