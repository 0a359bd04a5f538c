package io.impipeline.worker.bench;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.impipeline.model.codec.Tasks;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.testkit.KafkaTestClients;
import io.impipeline.testkit.Messages;
import io.impipeline.testkit.TestPostgres;
import io.impipeline.worker.TaskWorkerApplication;
import io.impipeline.worker.batch.WorkerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * Persisted messages per second: N persist tasks are put on {@code im-task-topic} of an embedded broker first,
 * then the worker (batch size 200 by default) drains them into a real PostgreSQL (zonky, PostgreSQL 17). The rate
 * is measured from the first stored row to the last, so start-up and group join are not counted. Also prints the
 * JDBC batch timer ({@code im.worker.persist.batch}): the database's share of the work.
 *
 * <p>Options: {@code --tasks=50000 --batch-size=200 --concurrency=1 --conversations=1000}. See
 * docs/benchmarks-task-worker.md for the command.
 */
public final class PersistBenchmark {

    private static final int TASK_PARTITIONS = 5;
    private static final java.time.Duration STALL = java.time.Duration.ofSeconds(30);

    private PersistBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Arrays.stream(args).filter(a -> a.startsWith("--") && a.contains("="))
                .collect(Collectors.toMap(a -> a.substring(2, a.indexOf('=')), a -> a.substring(a.indexOf('=') + 1)));
        Function<String, Integer> opt = name -> Integer.parseInt(options.getOrDefault(name, defaults(name)));
        int tasks = opt.apply("tasks");
        int batchSize = opt.apply("batch-size");
        int concurrency = opt.apply("concurrency");
        int conversations = opt.apply("conversations");

        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, TASK_PARTITIONS);
        broker.brokerProperty("transaction.state.log.replication.factor", "1");
        broker.brokerProperty("transaction.state.log.min.isr", "1");
        broker.afterPropertiesSet();
        // Created up front: producing into a topic the broker auto-creates can lose the first records of a
        // partition to the idempotent producer's sequence checks while leadership settles (seen under load).
        broker.addTopics(new NewTopic("im-task-topic", TASK_PARTITIONS, (short) 1));
        String database = TestPostgres.shared().newDatabase("bench");
        try {
            produce(broker.getBrokersAsString(), tasks, conversations);
            System.out.printf("produced %,d persist tasks (%d conversations); starting the worker%n", tasks,
                    conversations);
            try (ConfigurableApplicationContext worker = new SpringApplicationBuilder(TaskWorkerApplication.class)
                    .run("--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                            "--spring.datasource.url=" + database,
                            "--spring.datasource.username=" + TestPostgres.shared().user(),
                            "--spring.datasource.password=postgres",
                            "--server.port=0",
                            "--im.topics.replication-factor=1",
                            "--im.worker.batch-size=" + batchSize,
                            "--im.worker.concurrency=" + concurrency,
                            "--logging.level.root=WARN")) {
                measure(worker, tasks, batchSize, concurrency);
            }
        } finally {
            broker.destroy();
            TestPostgres.shared().stop();
        }
        System.exit(0);
    }

    private static void produce(String brokers, int tasks, int conversations) {
        java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers)) {
            for (int i = 0; i < tasks; i++) {
                String conversation = "bench-c" + (i % conversations);
                long seq = i / conversations + 1;
                String id = conversation + "-m" + seq;
                byte[] task = WireJson.toBytes(Tasks.persist(new SequencedMessage(
                        Messages.text(id, "alice", "bob", conversation, System.currentTimeMillis()), seq,
                        System.currentTimeMillis()), System.currentTimeMillis()));
                producer.send(new ProducerRecord<>("im-task-topic", conversation, task), (meta, e) -> {
                    if (e != null && failed.getAndIncrement() == 0) {
                        System.out.println("send failed: " + e);
                    }
                });
            }
        }
        if (failed.get() > 0) {
            System.out.printf("%,d of %,d tasks could not be produced%n", failed.get(), tasks);
        }
    }

    private static void measure(ConfigurableApplicationContext worker, int tasks, int batchSize, int concurrency)
            throws InterruptedException {
        JdbcTemplate jdbc = worker.getBean(JdbcTemplate.class);
        long firstAt = 0;
        long firstCount = 0;
        long count = 0;
        long lastAt = System.nanoTime();
        long lastProgress = System.nanoTime();
        // Stops when all are stored, or when nothing more was stored for a while (then the counters say why).
        while (count < tasks && System.nanoTime() - lastProgress < STALL.toNanos()) {
            Thread.sleep(100);
            long now = jdbc.queryForObject("SELECT count(*) FROM messages", Long.class);
            if (now > count) {
                lastProgress = System.nanoTime();
                lastAt = lastProgress;
            }
            count = now;
            if (firstAt == 0 && count > 0) {
                firstAt = System.nanoTime();
                firstCount = count;
            }
        }
        double seconds = (lastAt - firstAt) / 1e9;
        Timer batches = worker.getBean(MeterRegistry.class).get(WorkerMetrics.PERSIST_BATCH).timer();
        System.out.printf("stored %,d of %,d messages; batch size %d, concurrency %d%n", count, tasks, batchSize,
                concurrency);
        System.out.printf("end to end (Kafka -> worker -> PostgreSQL): %,.0f messages/s (%,d in %.2f s)%n",
                (count - firstCount) / seconds, count - firstCount, seconds);
        System.out.printf("JDBC batches: %,d, mean %.2f ms, max %.2f ms -> %,.0f rows/s inside the database step%n",
                batches.count(), batches.mean(TimeUnit.MILLISECONDS), batches.max(TimeUnit.MILLISECONDS),
                count / batches.totalTime(TimeUnit.SECONDS));
        worker.getBean(MeterRegistry.class).find(WorkerMetrics.TASKS).counters().forEach(c -> System.out.printf(
                "  %s %s: %,.0f%n", c.getId().getTag("type"), c.getId().getTag("outcome"), c.count()));
    }

    private static String defaults(String name) {
        return switch (name) {
            case "tasks" -> "50000";
            case "batch-size" -> "200";
            case "concurrency" -> "1";
            case "conversations" -> "1000";
            default -> throw new IllegalArgumentException("unknown option --" + name);
        };
    }
}
