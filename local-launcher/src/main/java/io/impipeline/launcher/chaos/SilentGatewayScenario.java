package io.impipeline.launcher.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.impipeline.launcher.LocalPipeline;
import io.impipeline.simulator.DeliveryChecker;

/**
 * Scenario 6: a gateway dies without saying {@code down} ({@link SilentGateway}: 20 users online on it, 5 msg/s to
 * them), under the simulator's mixed traffic, 1 broker, 1 instance, {@code im.dispatcher.gateway-timeout} as set
 * ({@code --gateway-timeout}, default 30 s, given to the apps explicitly). After the timeout its users must get
 * offline pushes; nothing sent to them may be lost (delivered to the gateway's topic or pushed, exactly once, as the
 * simulator's checker defines it).
 * <p>Time to recover: from the gateway's last heartbeat until the first offline push for one of its users is read
 * from {@code im-task-topic}. It must lie between the timeout minus a heartbeat interval and the timeout plus
 * {@link #SLACK}. Both the simulator's verdict (mixed traffic) and the silent gateway's checker count.
 */
public final class SilentGatewayScenario implements Scenario {

    public static final Duration SLACK = Duration.ofSeconds(10);
    static final int USERS = 20;
    static final int RATE = 5;
    /** Between its users' presence and its first message. */
    static final Duration SETTLE = Duration.ofSeconds(5);

    @Override
    public String number() {
        return "6";
    }

    @Override
    public List<String> parts() {
        return List.of("6-silent-gateway");
    }

    @Override
    public String description() {
        return "a gateway dies without saying down: after the gateway timeout its users get offline pushes";
    }

    @Override
    public void run(ChaosContext context, List<String> selected) throws Exception {
        ChaosSettings s = context.settings();
        Duration timeout = s.gatewayTimeout();
        Duration delay = s.faultDelay(s.seconds());
        Duration traffic = BrokerKillScenario.max(s.seconds(),
                Duration.ofSeconds(1).plus(SETTLE).plus(delay).plus(timeout).plusSeconds(30));
        context.progress("scenario 6: starting the pipeline (1 broker, 1 instance, gateway timeout "
                + Outcome.seconds(timeout) + ") ...");
        try (LocalPipeline pipeline = s.startPipeline("scenario-6", 1, 1,
                List.of("--im.dispatcher.gateway-timeout=" + timeout.toMillis() + "ms"), context.log())) {
            DeliveryWatch watch = DeliveryWatch.start(pipeline.bootstrapServers());
            SilentGateway silent = new SilentGateway(pipeline.bootstrapServers(), USERS, RATE, timeout,
                    "gw-chaos-senders", s.seed() + 6);
            try {
                context.progress("6-silent-gateway: a gateway with " + USERS + " users goes silent "
                        + Outcome.seconds(delay) + " after its first message (" + Outcome.seconds(traffic)
                        + " of traffic) ...");
                SilentGateway gateway = silent;
                FaultRun.Result r = FaultRun.run(pipeline, s.traffic(pipeline, s.rate(), traffic, 600).build(),
                        Duration.ofSeconds(1), c -> {
                            // Its users go online, a settle time, then messages until the mixed traffic ends.
                            gateway.start(SETTLE, Duration.ofMillis(Math.max(0, c.sendEnd()
                                    - System.currentTimeMillis() - SETTLE.toMillis())));
                            c.marks().note("victim", gateway.gatewayId());
                            Thread.sleep(SETTLE.plus(delay).toMillis());
                            c.marks().mark("fault", gateway.silence());
                            long deadline = System.currentTimeMillis() + timeout.plus(SLACK).plusSeconds(60).toMillis();
                            while (gateway.firstPushAt() == 0 && System.currentTimeMillis() < deadline) {
                                Thread.sleep(200);
                            }
                            if (gateway.firstPushAt() != 0) {
                                c.marks().mark("pushes", gateway.firstPushAt());
                            }
                        }, watch, context.log());
                DeliveryChecker.Summary own = silent.finish(ChaosSettings.DRAIN_TIMEOUT);
                context.log().println("silent gateway " + silent.gatewayId() + ":");
                context.log().print(own.render());
                Long at = r.marks().get("fault");
                Long pushes = r.marks().get("pushes");
                Duration recovery = at == null || pushes == null ? null : Duration.ofMillis(pushes - at);
                List<String> extra = new ArrayList<>();
                if (!own.passed()) {
                    extra.add("silent gateway's checks failed: " + String.join("; ", own.failures()));
                }
                if (recovery != null && recovery.compareTo(timeout.minus(SilentGateway.HEARTBEAT_EVERY)) < 0) {
                    extra.add("pushes began " + Outcome.seconds(recovery) + " after the last heartbeat, before the "
                            + "timeout");
                }
                Long lastDelivered = silent.lastDeliveredSentAt() == 0 || at == null ? null
                        : silent.lastDeliveredSentAt() - at;
                Outcome base = Outcome.of(r, "6-silent-gateway", "1 broker, 1 instance", "gateway "
                                + silent.gatewayId() + " stops heartbeating, never says down (timeout "
                                + Outcome.seconds(timeout) + ")", recovery,
                        "last heartbeat to the first offline push for one of its users", timeout.plus(SLACK), null,
                        extra, silent.messagesSent() + " messages to its users (" + own.progress().delivered()
                                + " delivered, " + own.progress().pushes() + " pushed); the last one still written "
                                + "to its topic was sent " + (lastDelivered == null ? "n/a"
                                : Outcome.seconds(Duration.ofMillis(lastDelivered))) + " after the last heartbeat; "
                                + r.summary().progress().sent() + " messages of mixed traffic sent");
                FailureCounts counts = base.counts().plus(FailureCounts.of(own));
                context.report(new Outcome(base.id(), base.shape(), base.fault(), counts, base.checksPassed(),
                        base.p99Millis(), base.recovery(), base.recoveryMeans(), base.bound(), base.p99Bound(),
                        base.extraFailures(), base.detail(), base.report() + "silent gateway " + silent.gatewayId()
                        + ":\n" + own.render()));
            } finally {
                silent.close();
                watch.close();
            }
        }
    }
}
