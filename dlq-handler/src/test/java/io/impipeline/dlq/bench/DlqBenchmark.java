package io.impipeline.dlq.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.impipeline.dlq.DlqHandlerApplication;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.testkit.KafkaTestClients;
import io.impipeline.testkit.Messages;
import io.impipeline.testkit.TestPostgres;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.web.client.RestClient;

/**
 * Capture and replay throughput of the dlq-handler on one machine: an embedded KRaft broker, embedded PostgreSQL and
 * the app in this JVM. Writes N dead letters (about 300-byte values, 8 headers), measures the time until all are
 * stored, then replays all of them by filter and measures that. Usage: {@code DlqBenchmark [N [--app.property=value ...]]} (N default 20000).
 */
public final class DlqBenchmark {

    private static final String DLQ = "im-upstream-topic-dlq";
    private static final String ORIGINAL = "im-upstream-topic";
    private static final String TOKEN = "bench";
    private static final int PARTITIONS = 3;

    private DlqBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, PARTITIONS);
        broker.afterPropertiesSet();
        TestPostgres pg = TestPostgres.shared();
        String url = pg.newDatabase("dlq_bench");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.getBrokersAsString()))) {
            admin.createTopics(List.of(new NewTopic(DLQ, PARTITIONS, (short) 1),
                    new NewTopic(ORIGINAL, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        List<String> appArgs = new java.util.ArrayList<>(List.of(
                "--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                "--spring.datasource.url=" + url, "--spring.datasource.username=" + pg.user(),
                "--spring.datasource.password=postgres", "--server.port=0", "--im.topics.replication-factor=1",
                "--im.security.service-token=" + TOKEN,
                "--im.dlq.replay.max-per-request=" + n, "--logging.level.io.impipeline.dlq.capture=ERROR",
                "--logging.level.io.impipeline.dlq.replay=WARN"));
        // Further arguments are passed to the app, e.g. --im.dlq.replay.chunk-size=500.
        appArgs.addAll(List.of(args).subList(Math.min(1, args.length), args.length));
        ConfigurableApplicationContext app = SpringApplication.run(DlqHandlerApplication.class,
                appArgs.toArray(String[]::new));
        try {
            JdbcClient jdbc = app.getBean(JdbcClient.class);
            long t0 = System.nanoTime();
            produce(broker.getBrokersAsString(), n);
            long produced = System.nanoTime();
            while (count(jdbc) < n) {
                Thread.sleep(50);
            }
            long stored = System.nanoTime();
            System.out.printf("%nRESULT dead letters: %d%n", n);
            System.out.printf("RESULT produce: %.0f ms%n", ms(t0, produced));
            System.out.printf("RESULT capture (first send to last row stored): %.0f ms = %.0f dead letters/s%n",
                    ms(t0, stored), n / (ms(t0, stored) / 1000));
            int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
            long r0 = System.nanoTime();
            String result = RestClient.create("http://localhost:" + port).post().uri("/api/v1/dead-letters/replay")
                    .header("X-Service-Token", TOKEN).header("Content-Type", "application/json")
                    .body("{\"original_topic\":\"" + ORIGINAL + "\",\"limit\":" + n + "}").retrieve().body(String.class);
            long r1 = System.nanoTime();
            System.out.printf("RESULT replay by filter: %.0f ms = %.0f dead letters/s, answer %s%n", ms(r0, r1),
                    n / (ms(r0, r1) / 1000), result);
        } finally {
            app.close();
            broker.destroy();
            pg.stop();
        }
    }

    private static void produce(String bootstrap, int n) {
        byte[] value = Messages.bytes(Messages.text("msg_bench", "user_1", "user_2", "conv_1", 1L));
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(bootstrap)) {
            for (int i = 0; i < n; i++) {
                RecordHeaders headers = new RecordHeaders();
                headers.add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
                        .getBytes(StandardCharsets.UTF_8));
                DeadLetterHeaders.stamp(headers, new DeadLetterHeaders.Origin(ORIGINAL, i % PARTITIONS, i, 1L),
                        "upstream-router", ReasonCode.MISSING_FIELD, null, "missing field to_user_id");
                producer.send(new ProducerRecord<>(DLQ, null, "user_" + (i % 1000), value, headers));
            }
            producer.flush();
        }
    }

    private static long count(JdbcClient jdbc) {
        return jdbc.sql("SELECT count(*) FROM dead_letters").query(Long.class).single();
    }

    private static double ms(long from, long to) {
        return (to - from) / 1e6;
    }
}
