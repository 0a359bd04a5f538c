package io.impipeline.worker.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.impipeline.model.codec.Tasks;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.wire.GroupFanoutPayload;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.testkit.KafkaTestClients;
import io.impipeline.testkit.Messages;
import io.impipeline.testkit.TestPostgres;
import io.impipeline.worker.TaskWorkerApplication;
import io.impipeline.worker.batch.WorkerMetrics;
import io.impipeline.worker.fanout.FanoutProgress;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * One large group fan-out, page by page: a group of N members is put straight into the {@code group_members}
 * projection (a group record of 100,000 ids would exceed the contract's record limit), one {@code group_fanout}
 * task is written, and the time from the task to the fan-out's last page is measured, with the routed records
 * written. While it runs, persist tasks are written to the same task partition every 100 ms; their latency (task
 * written to row stored) shows that the fan-out does not hold them.
 *
 * <p>Options: {@code --members=100000 --page=200 --partitions=10}. See docs/benchmarks-task-worker.md.
 */
public final class FanoutBenchmark {

    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private FanoutBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Arrays.stream(args).filter(a -> a.startsWith("--") && a.contains("="))
                .collect(Collectors.toMap(a -> a.substring(2, a.indexOf('=')), a -> a.substring(a.indexOf('=') + 1)));
        Function<String, Integer> opt = name -> Integer.parseInt(options.getOrDefault(name, defaults(name)));
        int members = opt.apply("members");
        int page = opt.apply("page");
        int partitions = opt.apply("partitions");

        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 5);
        broker.brokerProperty("transaction.state.log.replication.factor", "1");
        broker.brokerProperty("transaction.state.log.min.isr", "1");
        broker.afterPropertiesSet();
        broker.addTopics(new NewTopic("im-task-topic", 5, (short) 1), new NewTopic("im-routed-topic", partitions,
                (short) 1));
        String database = TestPostgres.shared().newDatabase("fanout_bench");
        try (ConfigurableApplicationContext worker = new SpringApplicationBuilder(TaskWorkerApplication.class)
                .run("--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                        "--spring.datasource.url=" + database,
                        "--spring.datasource.username=" + TestPostgres.shared().user(),
                        "--spring.datasource.password=postgres",
                        "--server.port=0",
                        "--im.topics.replication-factor=1",
                        "--im.topics.specs.routed.partitions=" + partitions,
                        "--logging.level.root=WARN")) {
            JdbcTemplate jdbc = worker.getBean(JdbcTemplate.class);
            jdbc.update("INSERT INTO groups (group_id, version) VALUES ('bench-group', 1)");
            jdbc.update("INSERT INTO group_members (group_id, user_id) SELECT 'bench-group', 'member-' || "
                    + "lpad(i::text, 7, '0') FROM generate_series(0, ?) AS i", members - 1);
            run(worker, broker.getBrokersAsString(), members, page, partitions);
        } finally {
            broker.destroy();
            TestPostgres.shared().stop();
        }
        System.exit(0);
    }

    private static void run(ConfigurableApplicationContext worker, String brokers, int members, int page,
                            int partitions) throws Exception {
        JdbcTemplate jdbc = worker.getBean(JdbcTemplate.class);
        FanoutProgress progress = worker.getBean(FanoutProgress.class);
        String sender = "member-0000000";
        FanoutProgress.Key key = new FanoutProgress.Key("bench-group", sender, "bench-m1");
        byte[] task = WireJson.toBytes(Tasks.groupFanout(new GroupFanoutPayload("bench-group", "bench-m1",
                List.of(sender), page, new SequencedMessage(Messages.groupText("bench-m1", sender, "bench-group",
                System.currentTimeMillis()), 1, System.currentTimeMillis())), System.currentTimeMillis()));
        long latencies = 0;
        long maxLatency = 0;
        int persisted = 0;
        long start;
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers)) {
            start = System.nanoTime();
            producer.send(new ProducerRecord<>("im-task-topic", 0, "bench-group", task)).get();
            long deadline = start + TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                FanoutProgress.Row row = progress.find(key);
                if (row != null && row.done()) {
                    break;
                }
                // A persist task behind the fan-out on its partition: how long until it is stored?
                String id = "bench-p" + persisted;
                long sent = System.nanoTime();
                producer.send(new ProducerRecord<>("im-task-topic", 0, "bench-conv", WireJson.toBytes(Tasks.persist(
                        new SequencedMessage(Messages.text(id, "alice", "bob", "bench-conv",
                                System.currentTimeMillis()), persisted + 1, System.currentTimeMillis()),
                        System.currentTimeMillis())))).get();
                while (jdbc.queryForObject("SELECT count(*) FROM messages WHERE message_id = ?", Integer.class,
                        id) == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                long latency = System.nanoTime() - sent;
                latencies += latency;
                maxLatency = Math.max(maxLatency, latency);
                persisted++;
                Thread.sleep(100);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        FanoutProgress.Row row = progress.find(key);
        MeterRegistry meters = worker.getBean(MeterRegistry.class);
        double records = meters.get(WorkerMetrics.FANOUT_RECORDS).counter().count();
        System.out.printf("fan-out of %,d members, pages of %d, %d partitions: %s in %.2f s%n", members, page,
                partitions, row != null && row.done() ? "done" : "NOT done", seconds);
        System.out.printf("pages %,d (%.1f ms each, %,.0f members/s), routed records %,.0f (%,d in the progress row)%n",
                row == null ? 0 : row.pagesDone(), row == null || row.pagesDone() == 0 ? 0
                        : seconds * 1000 / row.pagesDone(), members / seconds, records,
                row == null ? 0 : row.routedRecords());
        System.out.printf("persist tasks behind it on its partition: %d, latency mean %.0f ms, max %.0f ms%n",
                persisted, persisted == 0 ? 0 : latencies / 1e6 / persisted, maxLatency / 1e6);
    }

    private static String defaults(String name) {
        return switch (name) {
            case "members" -> "100000";
            case "page" -> "200";
            case "partitions" -> "10";
            default -> throw new IllegalArgumentException("unknown option --" + name);
        };
    }
}
