package io.impipeline.launcher.chaos;

import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.impipeline.launcher.LocalPipeline;
import io.impipeline.model.wire.UpstreamMessage;

/**
 * Scenario 4: PostgreSQL stopped for {@link #OUTAGE} under load (1 broker, 1 instance), then started again on the
 * same data. Deliveries must go on meanwhile, the history must catch up, nothing may be lost.
 * <p>Time to recover: from PostgreSQL's start until every message accepted before that moment (scheduled ones left
 * out) has its row in {@code messages}, polled with SQL every second. Also checked: messages sent during the outage
 * that do not go through the task-worker (all but the large group's, whose fan-out is the worker's) reach their
 * gateway topics with at most {@link #DELIVERY_BOUND} of latency; the large group's are reported, not judged. The
 * simulator checks every row through the history API at the end.
 */
public final class PostgresOutageScenario implements Scenario {

    public static final Duration OUTAGE = Duration.ofSeconds(60);
    public static final Duration BOUND = Duration.ofSeconds(60);
    public static final Duration DELIVERY_BOUND = Duration.ofSeconds(15);

    @Override
    public String number() {
        return "4";
    }

    @Override
    public List<String> parts() {
        return List.of("4-postgres");
    }

    @Override
    public String description() {
        return "PostgreSQL stopped for 60 s under load, then started";
    }

    @Override
    public void run(ChaosContext context, List<String> selected) throws Exception {
        ChaosSettings s = context.settings();
        Duration delay = s.faultDelay(s.seconds());
        Duration traffic = BrokerKillScenario.max(s.seconds(), delay.plus(OUTAGE).plusSeconds(20));
        context.progress("scenario 4: starting the pipeline (1 broker, 1 instance) ...");
        try (LocalPipeline pipeline = s.startPipeline("scenario-4", 1, 1, List.of(), context.log())) {
            DeliveryWatch watch = DeliveryWatch.start(pipeline.bootstrapServers());
            try {
                context.progress("4-postgres: PostgreSQL stopped after " + Outcome.seconds(delay) + " for "
                        + Outcome.seconds(OUTAGE) + " (" + Outcome.seconds(traffic) + " of traffic) ...");
                FaultRun.Result r = FaultRun.run(pipeline, s.traffic(pipeline, s.rate(), traffic, 400).build(), delay,
                        PostgresOutageScenario::outage, watch, context.log());
                String large = "gc-" + r.simulation().population().largeGroup();
                DeliveryWatch.Window direct = r.window("fault", OUTAGE, a -> !a.conversationId().equals(large));
                DeliveryWatch.Window fanned = r.window("fault", OUTAGE, a -> a.conversationId().equals(large));
                List<String> extra = new ArrayList<>();
                if (direct.messages() == 0) {
                    extra.add("no delivery of a message sent during the outage");
                } else if (direct.maxLatencyMillis() > DELIVERY_BOUND.toMillis()) {
                    extra.add("deliveries during the outage took up to " + direct.maxLatencyMillis() + " ms");
                }
                Long start = r.marks().get("restart");
                Long caughtUp = r.marks().get("history-caught-up");
                Duration recovery = start == null || caughtUp == null ? null : Duration.ofMillis(caughtUp - start);
                context.report(Outcome.of(r, "4-postgres", "1 broker, 1 instance", "PostgreSQL stopped for "
                                + Outcome.seconds(OUTAGE) + ", then started", recovery,
                        "PostgreSQL start until every message accepted before it has its row ("
                                + r.marks().note("rows") + ")", BOUND, null, extra,
                        "during the outage " + direct.messages() + " messages not fanned out by the worker arrived, "
                                + "max latency " + direct.maxLatencyMillis() + " ms; " + fanned.messages()
                                + " large-group messages, max latency " + fanned.maxLatencyMillis() + " ms; "
                                + r.summary().progress().sent() + " messages sent"));
            } finally {
                watch.close();
            }
        }
    }

    private static void outage(FaultRun.FaultContext c) throws Exception {
        c.marks().mark("fault");
        c.pipeline().infrastructure().stopPostgres();
        Thread.sleep(OUTAGE.toMillis());
        long start = c.marks().mark("restart");
        c.pipeline().infrastructure().startPostgres();
        List<String> ids = c.simulation().sentMessages().stream()
                .filter(m -> m.deliverAt() == null && m.timestamp() < start).map(UpstreamMessage::messageId).toList();
        long deadline = System.currentTimeMillis() + Duration.ofMinutes(5).toMillis();
        long rows = 0;
        while (System.currentTimeMillis() < deadline) {
            rows = rowsOf(c.pipeline(), ids);
            if (rows >= ids.size()) {
                c.marks().mark("history-caught-up");
                break;
            }
            Thread.sleep(1_000);
        }
        c.marks().note("rows", rows + " of " + ids.size() + " rows");
    }

    /** How many of these message ids have a row in {@code messages}; -1 while PostgreSQL does not answer. */
    static long rowsOf(LocalPipeline pipeline, List<String> ids) {
        try (Connection db = DriverManager.getConnection(pipeline.jdbcUrl(), "postgres", "postgres");
             PreparedStatement q = db.prepareStatement(
                     "SELECT count(DISTINCT message_id) FROM messages WHERE message_id = ANY (?)")) {
            Array array = db.createArrayOf("text", ids.toArray());
            q.setArray(1, array);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            return -1;
        }
    }
}
