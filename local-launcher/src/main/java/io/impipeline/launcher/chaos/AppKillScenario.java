package io.impipeline.launcher.chaos;

import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.impipeline.launcher.LocalPipeline;
import io.impipeline.model.codec.WireJson;
import io.impipeline.simulator.SimulationSettings;
import tools.jackson.databind.JsonNode;

/**
 * Scenario 1: kill -9 of each app in turn (router, dispatcher, worker, dlq-handler), each restarted after
 * {@code restartAfter} (3 s), one simulator run per app on one pipeline (1 broker, 1 instance). Target: deliveries
 * resume within 10 s, p99 over the run under 15 s, nothing lost, nothing duplicated, seq gap-free.
 * <p>Time to recover, per app, is measured on what that app produces:
 * <ul>
 *   <li>router, dispatcher: from the kill until the <em>last</em> of the messages sent in the first second after
 *       the kill is readable in its gateway topic (every message after the kill waits for the restarted app, so this
 *       is when the pipeline delivers new messages again; the first of them is reported too);</li>
 *   <li>task-worker: the same, for messages to the large group only (their fan-out is the worker's
 *       {@code group_fanout}), sent in the first {@link #largeGroupWindow(int)} after the kill;</li>
 *   <li>dlq-handler: from the kill until the handler has stored (read through its API) a dead letter that failed
 *       after the kill (the simulator's bad records; 5 % of the sends in this run).</li>
 * </ul>
 */
public final class AppKillScenario implements Scenario {

    public static final Duration BOUND = Duration.ofSeconds(10);
    public static final Duration P99_BOUND = Duration.ofSeconds(15);
    static final Duration WINDOW = Duration.ofSeconds(1);
    static final double DLQ_RUN_BAD_SHARE = 0.05;

    static final Map<String, String> PARTS = new LinkedHashMap<>();

    static {
        PARTS.put("1-router", "upstream-router");
        PARTS.put("1-dispatcher", "downstream-dispatcher");
        PARTS.put("1-worker", "task-worker");
        PARTS.put("1-dlq-handler", "dlq-handler");
    }

    @Override
    public String number() {
        return "1";
    }

    @Override
    public List<String> parts() {
        return List.copyOf(PARTS.keySet());
    }

    @Override
    public String description() {
        return "kill -9 of each app in turn, restarted after 3 s (1 broker, 1 instance)";
    }

    @Override
    public void run(ChaosContext context, List<String> selected) throws Exception {
        ChaosSettings s = context.settings();
        context.progress("scenario 1: starting the pipeline (1 broker, 1 instance of each app) ...");
        try (LocalPipeline pipeline = s.startPipeline("scenario-1", 1, 1, List.of(), context.log())) {
            DeliveryWatch watch = DeliveryWatch.start(pipeline.bootstrapServers());
            try {
                long seed = 100;
                for (String part : selected) {
                    String module = PARTS.get(part);
                    context.progress(part + ": kill -9 " + module + " after " + Outcome.seconds(
                            s.faultDelay(s.seconds())) + " of " + s.rate() + " msg/s mixed traffic, restart after "
                            + Outcome.seconds(s.restartAfter()) + " ...");
                    SimulationSettings.Builder traffic = s.traffic(pipeline, s.rate(), s.seconds(), seed++);
                    if (module.equals("dlq-handler")) {
                        traffic.badShare(DLQ_RUN_BAD_SHARE);
                    }
                    context.report(killAndRestart(pipeline, watch, traffic.build(), part, module,
                            s.faultDelay(s.seconds()), s.restartAfter(), BOUND, "1 broker, 1 instance",
                            context.log()));
                    FaultRun.awaitHealthy(pipeline, Duration.ofMinutes(3));
                }
            } finally {
                watch.close();
            }
        }
    }

    /**
     * One run: {@code module} (its first instance) killed {@code faultDelay} after the first message, restarted
     * after {@code restartAfter} (null: never, the negative control). Also used by the integration test.
     */
    public static Outcome killAndRestart(LocalPipeline pipeline, DeliveryWatch watch, SimulationSettings traffic,
                                         String id, String module, Duration faultDelay, Duration restartAfter,
                                         Duration bound, String shape, PrintStream log) throws InterruptedException {
        FaultRun.Fault kill = FaultRun.killApp(module, 0, restartAfter);
        FaultRun.Fault fault = module.equals("dlq-handler") && restartAfter != null
                ? c -> {
                    kill.inject(c);
                    awaitDeadLetterStoredAfter(c.pipeline(), c.marks(), Duration.ofMinutes(2));
                }
                : kill;
        FaultRun.Result r = FaultRun.run(pipeline, traffic, faultDelay, fault, watch, log);
        String what = "kill -9 " + module + (restartAfter == null ? ", NOT restarted"
                : ", restarted after " + Outcome.seconds(restartAfter));
        Duration recovery;
        String means;
        String detail;
        if (module.equals("dlq-handler")) {
            Long stored = r.marks().get("dead-letter-stored");
            Long at = r.marks().get("fault");
            recovery = stored == null || at == null ? null : Duration.ofMillis(stored - at);
            means = "kill to the first dead letter stored (API) that failed after the kill";
            DeliveryWatch.Window w = r.window("fault", WINDOW, a -> true);
            detail = "deliveries (not through the dlq-handler): last of " + w.messages()
                    + " messages sent in the first second after the kill arrived after " + Outcome.seconds(w.last());
        } else {
            boolean worker = module.equals("task-worker");
            Duration length = worker ? largeGroupWindow(traffic.rate()) : WINDOW;
            String large = "gc-" + r.simulation().population().largeGroup();
            DeliveryWatch.Window w = r.window("fault", length, a -> !worker || a.conversationId().equals(large));
            recovery = w.last();
            means = "kill to the arrival of the last of the " + (worker ? "large-group " : "") + "messages sent in the "
                    + "first " + Outcome.seconds(length) + " after it (" + w.messages() + " messages)";
            detail = "first of them after " + Outcome.seconds(w.first()) + ", max latency " + w.maxLatencyMillis()
                    + " ms";
        }
        detail += "; victim " + r.marks().note("victim") + restarted(r) + "; " + r.summary().progress().sent()
                + " messages sent";
        return Outcome.of(r, id, shape, what, recovery, means, bound, P99_BOUND, List.of(), detail);
    }

    private static String restarted(FaultRun.Result r) {
        Long at = r.marks().get("fault");
        Long again = r.marks().get("restart");
        return at == null || again == null ? "" : ", restarted at +" + Outcome.seconds(Duration.ofMillis(again - at));
    }

    /** Long enough for about five large-group messages (5 % of the mixed traffic), at least a second. */
    static Duration largeGroupWindow(int rate) {
        if (rate <= 0) {
            return WINDOW;
        }
        long millis = (long) Math.ceil(5 / (0.05 * rate) * 1000);
        return Duration.ofMillis(Math.max(WINDOW.toMillis(), millis));
    }

    /**
     * Polls the dlq-handler's API until it lists a dead letter of the upstream topic that failed at or after the
     * {@code fault} mark, then marks {@code dead-letter-stored}. Connection failures (the app is down) are retried.
     */
    static void awaitDeadLetterStoredAfter(LocalPipeline pipeline, FaultRun.Marks marks, Duration atMost)
            throws InterruptedException {
        Long at = marks.get("fault");
        if (at == null) {
            return;
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        URI uri = URI.create(pipeline.url("dlq-handler") + "/api/v1/dead-letters?original_topic=im-upstream-topic"
                + "&limit=1&from=" + URLEncoder.encode(Instant.ofEpochMilli(at).toString(), StandardCharsets.UTF_8));
        long deadline = System.currentTimeMillis() + atMost.toMillis();
        while (System.currentTimeMillis() < deadline) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2))
                        .header("X-Service-Token", pipeline.serviceToken()).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    JsonNode items = WireJson.mapper().readTree(response.body()).path("items");
                    if (items.isArray() && !items.isEmpty()) {
                        marks.mark("dead-letter-stored");
                        return;
                    }
                } else {
                    marks.note("dlq-api", response.statusCode() + " " + response.body());
                }
            } catch (java.io.IOException | RuntimeException e) {
                // down or starting: try again
            }
            Thread.sleep(250);
        }
    }
}
