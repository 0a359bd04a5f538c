package io.impipeline.launcher.chaos;

import java.time.Duration;
import java.util.List;

import io.impipeline.launcher.LocalPipeline;

/**
 * Scenario 0, the negative control (not run unless named): the single router is killed with -9 and NOT restarted.
 * Every message sent after the kill is lost, so this run must FAIL; it proves that the harness can tell. Short:
 * at most 30 s of traffic, 20 s of drain.
 */
public final class ControlScenario implements Scenario {

    static final Duration TRAFFIC = Duration.ofSeconds(30);

    @Override
    public String number() {
        return "0";
    }

    @Override
    public List<String> parts() {
        return List.of("0-router-not-restarted");
    }

    @Override
    public String description() {
        return "negative control: kill -9 of the single router, NOT restarted (must FAIL)";
    }

    @Override
    public boolean byDefault() {
        return false;
    }

    @Override
    public void run(ChaosContext context, List<String> selected) throws Exception {
        ChaosSettings s = context.settings();
        Duration traffic = s.seconds().compareTo(TRAFFIC) < 0 ? s.seconds() : TRAFFIC;
        context.progress("scenario 0 (control): starting the pipeline (1 broker, 1 instance) ...");
        try (LocalPipeline pipeline = s.startPipeline("scenario-0", 1, 1, List.of(), context.log())) {
            DeliveryWatch watch = DeliveryWatch.start(pipeline.bootstrapServers());
            try {
                context.progress("0-router-not-restarted: kill -9 upstream-router after "
                        + Outcome.seconds(s.faultDelay(traffic)) + ", never restarted ...");
                context.report(AppKillScenario.killAndRestart(pipeline, watch,
                        s.traffic(pipeline, s.rate(), traffic, 0).drainTimeout(Duration.ofSeconds(20))
                                .persistGrace(Duration.ofSeconds(5)).build(),
                        "0-router-not-restarted", "upstream-router", s.faultDelay(traffic), null,
                        AppKillScenario.BOUND, "1 broker, 1 instance", context.log()));
            } finally {
                watch.close();
            }
        }
    }
}
