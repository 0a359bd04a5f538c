package io.impipeline.launcher.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.impipeline.launcher.KafkaServerProcess;
import io.impipeline.launcher.LocalPipeline;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Scenario 3: three KRaft nodes (each broker and controller, topics with 3 replicas, min.insync.replicas 2), one
 * instance of each app. kill -9 of one broker under load, restarted after {@link #OUTAGE}: first node 3 (run
 * {@code 3-node}), then the broker that leads the most partitions at that moment, found with the AdminClient (run
 * {@code 3-leader}; whether it was also the active controller is noted).
 * <p>Time to recover: from the kill until the last of the messages sent in the first second after the kill is
 * readable in its gateway topic (messages on partitions the dead broker led wait for the new leaders, producers'
 * and transactions' retries). The same is measured from the broker's restart (reported in the details; it must
 * stay within the bound too).
 */
public final class BrokerKillScenario implements Scenario {

    public static final Duration OUTAGE = Duration.ofSeconds(30);
    public static final Duration BOUND = Duration.ofSeconds(30);

    @Override
    public String number() {
        return "3";
    }

    @Override
    public List<String> parts() {
        return List.of("3-node", "3-leader");
    }

    @Override
    public String description() {
        return "kill -9 of one of three brokers under load, restarted after 30 s (node 3, then the busiest leader)";
    }

    @Override
    public void run(ChaosContext context, List<String> selected) throws Exception {
        ChaosSettings s = context.settings();
        Duration delay = s.faultDelay(s.seconds());
        Duration traffic = max(s.seconds(), delay.plus(OUTAGE).plusSeconds(20));
        context.progress("scenario 3: starting the pipeline (3 brokers, 1 instance) ...");
        try (LocalPipeline pipeline = s.startPipeline("scenario-3", 3, 1, List.of(), context.log())) {
            DeliveryWatch watch = DeliveryWatch.start(pipeline.bootstrapServers());
            try {
                long seed = 300;
                for (String part : selected) {
                    boolean leader = part.equals("3-leader");
                    context.progress(part + ": kill -9 of " + (leader ? "the broker leading most partitions" : "node 3")
                            + " after " + Outcome.seconds(delay) + ", restarted " + Outcome.seconds(OUTAGE)
                            + " later (" + Outcome.seconds(traffic) + " of traffic) ...");
                    FaultRun.Result r = FaultRun.run(pipeline, s.traffic(pipeline, s.rate(), traffic, seed++).build(),
                            delay, c -> killBroker(c, leader), watch, context.log());
                    DeliveryWatch.Window kill = r.window("fault", AppKillScenario.WINDOW, a -> true);
                    DeliveryWatch.Window back = r.window("restart", AppKillScenario.WINDOW, a -> true);
                    List<String> extra = new ArrayList<>();
                    if (back.last() == null || back.last().compareTo(BOUND) > 0) {
                        extra.add("after the restart: " + Outcome.seconds(back.last()) + " over the bound");
                    }
                    context.report(Outcome.of(r, part, "3 brokers, 1 instance", "kill -9 broker "
                                    + r.marks().note("victim") + ", restarted after " + Outcome.seconds(OUTAGE),
                            kill.last(), "kill to the arrival of the last of the messages sent in the first second "
                                    + "after it (" + kill.messages() + " messages)", BOUND, null, extra,
                            "first of them after " + Outcome.seconds(kill.first()) + ", max latency "
                                    + kill.maxLatencyMillis() + " ms; after the restart: last of " + back.messages()
                                    + " messages after " + Outcome.seconds(back.last()) + "; leaders before the kill "
                                    + r.marks().note("leaders") + "; " + r.summary().progress().sent()
                                    + " messages sent"));
                    FaultRun.awaitHealthy(pipeline, Duration.ofMinutes(3));
                }
            } finally {
                watch.close();
            }
        }
    }

    private static void killBroker(FaultRun.FaultContext c, boolean busiestLeader) throws Exception {
        List<KafkaServerProcess> nodes = c.pipeline().infrastructure().kafka().nodes();
        Map<Integer, Integer> leaders = new TreeMap<>();
        int controller = -1;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                c.pipeline().bootstrapServers()))) {
            List<String> topics = new ArrayList<>(admin.listTopics(new ListTopicsOptions().listInternal(true)).names()
                    .get(30, TimeUnit.SECONDS));
            for (TopicDescription d : admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS)
                    .values()) {
                for (TopicPartitionInfo p : d.partitions()) {
                    if (p.leader() != null) {
                        leaders.merge(p.leader().id(), 1, Integer::sum);
                    }
                }
            }
            controller = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
        }
        int victimId = busiestLeader
                ? leaders.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey()
                : nodes.get(nodes.size() - 1).nodeId();
        KafkaServerProcess victim = nodes.stream().filter(n -> n.nodeId() == victimId).findFirst().orElseThrow();
        c.marks().note("leaders", "node:partitions " + leaders + ", active controller node " + controller);
        c.marks().note("victim", "node " + victimId + " (" + leaders.getOrDefault(victimId, 0) + " partition leaders"
                + (victimId == controller ? ", the active controller" : "") + ")");
        c.marks().mark("fault");
        victim.kill();
        Thread.sleep(OUTAGE.toMillis());
        c.marks().mark("restart");
        victim.restart();
        c.marks().mark("listening");
    }

    static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
