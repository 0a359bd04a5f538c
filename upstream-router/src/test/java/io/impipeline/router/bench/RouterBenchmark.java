package io.impipeline.router.bench;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.impipeline.router.UpstreamRouterApplication;
import io.impipeline.testkit.KafkaTestClients;
import io.impipeline.testkit.Messages;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.web.client.RestClient;

/**
 * Router throughput (single chat, dedup + sequencing, exactly_once_v2) next to a plain produce->consume
 * passthrough of the same records on the same embedded broker, in one run. Not a test: run it with the command in
 * docs/benchmarks-upstream-router.md. Options: {@code --messages=20000 --partitions=10 --commit-interval-ms=100
 * --trace=on}; {@code --trace=both} runs the router seven times, a warm-up with trace on, then off and on three
 * times each, alternating, each on its own topics ({@code im.topics.prefix}), to measure what message trace
 * (issue 15) costs.
 */
public final class RouterBenchmark {

    private static final int CONVERSATIONS = 200;
    private static final int USERS = 1_000;
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private RouterBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        int messages = Integer.parseInt(options.getOrDefault("messages", "20000"));
        int partitions = Integer.parseInt(options.getOrDefault("partitions", "10"));
        String commitInterval = options.getOrDefault("commit-interval-ms", "100");

        EmbeddedKafkaKraftBroker broker = io.impipeline.testkit.TestBrokers.start(partitions);
        String brokers = broker.getBrokersAsString();
        List<byte[]> records = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (int i = 0; i < messages; i++) {
            String sender = "user_" + (i % USERS);
            keys.add(sender);
            records.add(Messages.bytes(Messages.text("bench_" + i, sender, "user_" + ((i + 1) % USERS),
                    "conv_" + (i % CONVERSATIONS), now)));
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", brokers))) {
            admin.createTopics(List.of(new NewTopic("bench-passthrough", partitions, (short) 1))).all().get();
        }
        double passthrough = run(brokers, "bench-passthrough", "bench-passthrough", keys, records, messages);

        String trace = options.getOrDefault("trace", "on");
        List<Boolean> traceRuns = switch (trace) {
            case "on" -> List.of(true);
            case "off" -> List.of(false);
            // A warm-up run (JIT), then alternating, each on its own topics (im.topics.prefix), to compare within
            // one noisy run.
            case "both" -> List.of(true, false, true, false, true, false, true);
            default -> throw new IllegalArgumentException("--trace=on|off|both, not " + trace);
        };
        List<String> results = new ArrayList<>();
        try {
            for (int run = 0; run < traceRuns.size(); run++) {
                String prefix = traceRuns.size() == 1 ? "" : "r" + run + ".";
                double routed = runRouter(brokers, prefix, traceRuns.get(run), commitInterval, keys, records,
                        messages);
                results.add(String.format("RESULT router (validate, dedup, filter, sequence, route; EOS v2; "
                        + "im.trace.enabled=%s)%s: %,.0f msg/s (%.0f %% of passthrough)", traceRuns.get(run),
                        traceRuns.size() > 1 && run == 0 ? " [warm-up]" : "", routed, 100 * routed / passthrough));
            }
            System.out.printf("%nRESULT messages=%d partitions=%d commit.interval.ms=%s%n", messages, partitions,
                    commitInterval);
            System.out.printf("RESULT passthrough (produce -> consume, read_committed): %,.0f msg/s%n", passthrough);
            results.forEach(System.out::println);
        } finally {
            broker.destroy();
        }
    }

    /** One router on topics named with {@code prefix}, trace on or off: its rate, input to persist tasks. */
    private static double runRouter(String brokers, String prefix, boolean trace, String commitInterval,
                                    List<String> keys, List<byte[]> records, int messages) throws Exception {
        ConfigurableApplicationContext router = new SpringApplicationBuilder(UpstreamRouterApplication.class).run(
                "--server.port=0",
                "--spring.kafka.bootstrap-servers=" + brokers,
                "--im.topics.replication-factor=1",
                "--im.topics.prefix=" + prefix,
                "--im.trace.enabled=" + trace,
                "--im.streams.state-dir=" + Files.createTempDirectory("router-bench"),
                "--im.streams.commit-interval=" + commitInterval + "ms",
                "--im.security.service-token=bench",
                "--logging.level.root=WARN");
        try {
            waitUntilReady(router);
            return run(brokers, prefix + "im-upstream-topic", prefix + "im-task-topic", keys, records, messages);
        } finally {
            router.close();
        }
    }

    /** Sends every record to {@code in}; the rate runs from the first send to the last record read from {@code out}. */
    private static double run(String brokers, String in, String out, List<String> keys, List<byte[]> records,
                              int expected) throws InterruptedException {
        CountDownLatch subscribed = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        AtomicLong lastReceived = new AtomicLong();
        Thread reader = new Thread(() -> {
            long count = 0;
            try (KafkaConsumer<String, byte[]> consumer = KafkaTestClients.consumer(brokers)) {
                consumer.subscribe(List.of(out));
                consumer.poll(Duration.ofMillis(100));
                subscribed.countDown();
                while (count < expected) {
                    count += consumer.poll(Duration.ofMillis(100)).count();
                }
                lastReceived.set(System.nanoTime());
            }
            done.countDown();
        }, "bench-reader");
        reader.setDaemon(true);
        reader.start();
        waitForAssignment(subscribed);
        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(brokers)) {
            for (int i = 0; i < records.size(); i++) {
                producer.send(new ProducerRecord<>(in, keys.get(i), records.get(i)));
            }
        }
        if (!done.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            throw new IllegalStateException("timed out waiting for " + expected + " records on " + out);
        }
        return expected / ((lastReceived.get() - start) / 1e9);
    }

    private static void waitForAssignment(CountDownLatch subscribed) throws InterruptedException {
        subscribed.await(1, TimeUnit.MINUTES);
        Thread.sleep(3_000); // the fresh group's first assignment
    }

    private static void waitUntilReady(ConfigurableApplicationContext router) throws InterruptedException {
        String port = router.getEnvironment().getProperty("local.server.port");
        RestClient http = RestClient.create("http://localhost:" + port);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            int status = http.get().uri("/actuator/health/readiness").exchange((req, res) -> res.getStatusCode()
                    .value());
            if (status == 200) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("router not ready");
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            if (arg.startsWith("--") && arg.contains("=")) {
                options.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
            }
        }
        return options;
    }
}
