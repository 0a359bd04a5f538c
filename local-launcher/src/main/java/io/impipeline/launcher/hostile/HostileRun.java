package io.impipeline.launcher.hostile;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import io.impipeline.launcher.AppProcess;
import io.impipeline.launcher.LocalPipeline;
import io.impipeline.launcher.hostile.HostileCorpus.Fixture;
import io.impipeline.launcher.hostile.HostileRecord.Phase;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.WireJson;
import io.impipeline.simulator.DeliveryChecker;
import io.impipeline.simulator.ProgressLine;
import io.impipeline.simulator.Simulation;
import io.impipeline.simulator.SimulationSettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import tools.jackson.databind.JsonNode;

/**
 * Runs the hostile corpus against a running pipeline while the gateway simulator sends normal traffic, then accounts
 * for every record.
 *
 * <ol>
 *   <li>Fixture: the hostile gateway's heartbeats (every 2 s), bob's device online on it, a consumer of its topic.</li>
 *   <li>SETUP records (the groups later messages address), awaited in the task-worker's projection.</li>
 *   <li>The simulation starts; once it sends, the MAIN records, then LAST (records whose dead letter would exceed a
 *       producer limit), then the CANARY records, each through a real client: Kafka's producer (raw Produce requests
 *       for header names that are not UTF-8, {@link RawProducer}) or HTTP.</li>
 *   <li>Accounting, until everything expected is seen or the timeout: dead letters in PostgreSQL's
 *       {@code dead_letters}, matched by original topic, partition and offset (the send's {@link RecordMetadata});
 *       processed records by their effects (history rows, pushes, deliveries to bob, presence, gateways, group
 *       projection); skipped heartbeats and group records by the global tables' {@code dropped-records} counters;
 *       HTTP by status and error code. Then once more, all of it (negative checks such as "not persisted" count only
 *       at the end).</li>
 *   <li>The simulator's verdict, and each app alive, live and ready ({@code /actuator/health/liveness},
 *       {@code /readiness}; with the service token, the Streams apps' clients RUNNING).</li>
 * </ol>
 */
public final class HostileRun implements AutoCloseable {

    public static final String ROUTER = "upstream-router";
    public static final String DISPATCHER = "downstream-dispatcher";
    public static final String WORKER = "task-worker";
    public static final String DLQ = "dlq-handler";
    /** Kafka Streams' dropped-records sensor as the binder exposes it, for the global task. */
    public static final String DROPPED_METRIC = "kafka_stream_task_dropped_records_total";
    /** The dispatcher's count of gateway-table entries that are no usable heartbeat, as of its last scan. */
    public static final String UNREADABLE_METRIC = "im_dispatcher_gateways_unreadable";
    /** The router's count of group-table reads that met an entry they could not use (the group counts as unknown). */
    public static final String UNREADABLE_GROUPS_METRIC = "im_router_groups_unreadable_total";
    static final String GLOBAL_TASK = "task_id=\"-1_-1\"";

    /**
     * @param simulation    the simulator's settings (bootstrap, worker URL and token are filled in); null: no traffic
     * @param accountTimeout how long to wait for every expected outcome after the last record was sent
     * @param exclude       record ids not to send
     * @param sabotage      a record id whose expectation is made wrong on purpose (to see the accounting fail)
     */
    public record Options(SimulationSettings.Builder simulation, Duration accountTimeout, Set<String> exclude,
                          String sabotage, PrintStream out) {
    }

    private record Sent(HostileRecord record, int partition, long offset, String error, int status, String body,
                        List<long[]> accepted) {
        static Sent failed(HostileRecord r, String error) {
            return new Sent(r, -1, -1, error, 0, null, List.of());
        }
    }

    /** What one check found. */
    private record Check(boolean ok, String text) {
    }

    private final LocalPipeline pipeline;
    private final Options options;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final Map<String, Integer> deliveries = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Map<String, Sent> sent = new LinkedHashMap<>();
    private final Map<String, Check> setupChecks = new HashMap<>();
    private KafkaProducer<byte[], byte[]> producer;
    private RawProducer raw;
    private Admin admin;
    private Connection db;
    private Fixture fixture;
    private HostileCorpus corpus;
    /** Per accounting round: the gateway table, fetched once. */
    private JsonNode gatewaysCache;

    public HostileRun(LocalPipeline pipeline, Options options) {
        this.pipeline = pipeline;
        this.options = options;
        this.out = options.out();
    }

    public HostileCorpus corpus() {
        return corpus;
    }

    public HostileReport run() throws Exception {
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrapServers()));
        db = DriverManager.getConnection(pipeline.jdbcUrl(), pipeline.infrastructure().databaseUser(),
                pipeline.infrastructure().databasePassword());
        Map<String, org.apache.kafka.clients.admin.TopicDescription> topics = admin.describeTopics(
                List.of("im-presence-topic", "im-group-topic")).allTopicNames().get(30, TimeUnit.SECONDS);
        fixture = Fixture.create(runId(), System.currentTimeMillis(),
                topics.get("im-presence-topic").partitions().size(), topics.get("im-group-topic").partitions().size());
        corpus = HostileCorpus.build(fixture);
        List<HostileRecord> records = corpus.records().stream()
                .filter(r -> !options.exclude().contains(r.id()))
                .map(r -> r.id().equals(options.sabotage()) ? sabotage(r) : r).toList();
        if (options.sabotage() != null && records.stream().noneMatch(r -> r.id().equals(options.sabotage()))) {
            throw new IllegalArgumentException("no record " + options.sabotage() + " to sabotage");
        }
        out.printf("hostile run %s: %d records %s%n", fixture.prefix(), records.size(), corpus.sizeByTarget());

        double routerBefore = metric(ROUTER, DROPPED_METRIC, GLOBAL_TASK);
        double unreadableGroupsBefore = orZero(metric(ROUTER, UNREADABLE_GROUPS_METRIC, null));
        double dispatcherBefore = metric(DISPATCHER, DROPPED_METRIC, GLOBAL_TASK);
        producer = producer();
        raw = new RawProducer(pipeline.bootstrapServers());
        startFixture();

        long t0 = System.nanoTime();
        sendAll(records, Phase.SETUP);
        awaitSetup(records);
        out.printf("setup done after %d s%n", seconds(t0));

        Future<DeliveryChecker.Summary> simulation = startSimulation();
        long sendStart = System.nanoTime();
        sendAll(records, Phase.MAIN);
        sendAll(records, Phase.LAST);
        sendAll(records, Phase.CANARY);
        out.printf("%d records sent in %d s%n", sent.size(), seconds(sendStart));

        DeliveryChecker.Summary summary = simulation == null ? null : simulation.get(15, TimeUnit.MINUTES);
        if (summary != null) {
            out.print(summary.render());
        }
        List<HostileReport.Row> rows = account(records);
        double unreadable = metric(DISPATCHER, UNREADABLE_METRIC, null);
        List<HostileReport.SkipCount> skips = List.of(
                new HostileReport.SkipCount(DISPATCHER, Expectation.Skipped.DROPPED, DROPPED_METRIC + "{"
                        + GLOBAL_TASK + "}", dispatcherBefore, metric(DISPATCHER, DROPPED_METRIC, GLOBAL_TASK),
                        expectedSkips(records, DISPATCHER, Expectation.Skipped.DROPPED),
                        !Double.isNaN(dispatcherBefore)),
                new HostileReport.SkipCount(DISPATCHER, Expectation.Skipped.UNREADABLE, UNREADABLE_METRIC, 0,
                        unreadable, expectedSkips(records, DISPATCHER, Expectation.Skipped.UNREADABLE),
                        !Double.isNaN(unreadable)),
                new HostileReport.SkipCount(ROUTER, Expectation.Skipped.DROPPED, DROPPED_METRIC + "{" + GLOBAL_TASK
                        + "}", routerBefore, metric(ROUTER, DROPPED_METRIC, GLOBAL_TASK),
                        expectedSkips(records, ROUTER, Expectation.Skipped.DROPPED), !Double.isNaN(routerBefore)),
                new HostileReport.SkipCount(ROUTER, "unusable group entries read", UNREADABLE_GROUPS_METRIC,
                        unreadableGroupsBefore, orZero(metric(ROUTER, UNREADABLE_GROUPS_METRIC, null)),
                        readsOfUnreadableGroups(records), true));
        List<String> health = new ArrayList<>();
        List<String> healthFailures = new ArrayList<>();
        checkHealth(health, healthFailures);
        rows = withSkipVerdict(rows, skips);

        Map<String, String> context = new LinkedHashMap<>();
        context.put("run", fixture.prefix() + " (every id of the corpus starts with it)");
        context.put("machine", Runtime.getRuntime().availableProcessors() + " cores, Java "
                + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch"));
        context.put("pipeline", "as in production: a KRaft broker process, PostgreSQL, the four apps each in its own"
                + " JVM with its own application.yml (" + pipeline.apps().size() + " app processes)");
        if (summary != null) {
            context.put("normal traffic", "gateway simulator, " + summary.progress().sent() + " accepted messages, "
                    + summary.progress().delivered() + " deliveries, during the MAIN phase");
        }
        context.put("duration", seconds(t0) + " s from the first hostile record to the end of the accounting");
        return new HostileReport(rows, skips, summary, health, healthFailures, context, options.sabotage());
    }

    private static long seconds(long since) {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - since);
    }

    private static String runId() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        SecureRandom random = new SecureRandom();
        StringBuilder b = new StringBuilder();
        b.append(alphabet.charAt(random.nextInt(26)));
        for (int i = 0; i < 2; i++) {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    /** A deliberately wrong expectation, to see that the accounting compares what it observes. */
    static HostileRecord sabotage(HostileRecord r) {
        Expectation e = r.expected();
        Expectation wrong;
        if (e instanceof Expectation.DeadLettered d) {
            wrong = new Expectation.DeadLettered(d.dlqTopic(), d.reason() == ReasonCode.PROCESSING_ERROR
                    ? ReasonCode.MALFORMED_JSON : ReasonCode.PROCESSING_ERROR, d.effects());
        } else if (e instanceof Expectation.Http h) {
            wrong = new Expectation.Http(h.status() == 400 ? 422 : 400, h.code(), h.then());
        } else if (e instanceof Expectation.Processed) {
            wrong = new Expectation.DeadLettered("im-upstream-topic-dlq", ReasonCode.PROCESSING_ERROR, List.of());
        } else if (e instanceof Expectation.BrokerRefused) {
            wrong = new Expectation.Processed(List.of());
        } else {
            wrong = new Expectation.Processed(List.of());
        }
        return r.withExpected(wrong);
    }

    // ---- sending ---------------------------------------------------------------------------------------------

    private KafkaProducer<byte[], byte[]> producer() {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // Sizes are checked uncompressed by the producer and compressed by the broker: let the broker decide.
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 64 * HostileCorpus.MIB);
        config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * HostileCorpus.MIB);
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private void sendAll(List<HostileRecord> records, Phase phase) {
        for (HostileRecord r : records) {
            if (r.phase() == phase) {
                sent.put(r.id(), send(r));
            }
        }
    }

    private Sent send(HostileRecord r) {
        try {
            if (r.target() == Target.HTTP) {
                return sendHttp(r);
            }
            String topic = fixture.topic(r.target());
            if (r.needsRawProduce()) {
                RecordMetadata m = raw.send(topic, r.partition(), r.key(), r.value(), r.headers());
                return new Sent(r, m.partition(), m.offset(), null, 0, null, List.of());
            }
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, r.partition(), r.key(), r.value());
            r.headers().forEach(h -> record.headers().add(new RecordHeader(
                    new String(h.name(), StandardCharsets.UTF_8), h.value())));
            RecordMetadata m = producer.send(record).get(60, TimeUnit.SECONDS);
            return new Sent(r, m.partition(), m.offset(), null, 0, null, List.of());
        } catch (Exception e) {
            out.println("send " + r.id() + " failed: " + e);
            return Sent.failed(r, e.toString());
        }
    }

    private Sent sendHttp(HostileRecord r) throws IOException, InterruptedException {
        HostileRecord.HttpSpec spec = r.http();
        if (spec.declaredOnly()) {
            return sendHead(r);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(pipeline.url(ROUTER) + "/api/v1/messages"))
                .timeout(Duration.ofSeconds(120)).header("Content-Type", spec.contentType());
        if (spec.token()) {
            request.header("X-Service-Token", spec.wrongToken() ? "not-the-token" : pipeline.serviceToken());
        }
        if (spec.streamed()) {
            request.POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(r.value())));
        } else {
            // Expect: 100-continue lets the server refuse a declared length before the body is sent.
            request.expectContinue(r.valueSize() > HostileCorpus.MIB * 4)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(r.value()));
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        List<long[]> accepted = new ArrayList<>();
        if (response.statusCode() == 202) {
            JsonNode body = WireJson.mapper().readTree(response.body());
            for (JsonNode result : body.path("results")) {
                accepted.add(new long[] {result.path("partition").asLong(-1), result.path("offset").asLong(-1)});
            }
        }
        return new Sent(r, -1, -1, null, response.statusCode(), response.body(), accepted);
    }

    /**
     * HTTP/1.1 by hand: the request head declaring the body's length, no body; then the answer. The JDK client
     * cannot do this (it sends the body it declares; with {@code Expect: 100-continue} it gives up on an early final
     * answer).
     */
    private Sent sendHead(HostileRecord r) throws IOException {
        URI uri = URI.create(pipeline.url(ROUTER));
        try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(60_000);
            String head = "POST /api/v1/messages HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nContent-Type: " + r.http().contentType() + "\r\nX-Service-Token: " + pipeline.serviceToken()
                    + "\r\nContent-Length: " + r.valueSize() + (r.http().expectContinue() ? "\r\nExpect: 100-continue"
                    : "") + "\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            java.io.InputStream in = socket.getInputStream();
            java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    answer.write(buffer, 0, n);
                    if (complete(answer.toString(StandardCharsets.UTF_8))) {
                        break;
                    }
                }
            } catch (java.net.SocketTimeoutException e) {
                // answered what it answered
            }
            String text = answer.toString(StandardCharsets.UTF_8);
            if (text.startsWith("HTTP/1.1 100") && text.indexOf("\r\n\r\n") > 0) {
                text = text.substring(text.indexOf("\r\n\r\n") + 4);
            }
            if (!text.startsWith("HTTP/1.1 ")) {
                return Sent.failed(r, "no HTTP answer to the head: " + (text.isEmpty() ? "nothing" : text));
            }
            int status = Integer.parseInt(text.substring(9, 12));
            int bodyAt = text.indexOf("\r\n\r\n");
            String body = bodyAt < 0 ? "" : text.substring(bodyAt + 4);
            if (text.substring(0, Math.max(0, bodyAt)).toLowerCase(java.util.Locale.ROOT)
                    .contains("transfer-encoding: chunked")) {
                body = dechunk(body);
            }
            return new Sent(r, -1, -1, null, status, body.trim(), List.of());
        }
    }

    /** The payload of a chunked body: each chunk is its size in hex, CRLF, the bytes, CRLF; size 0 ends it. */
    static String dechunk(String body) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (at < body.length()) {
            int lineEnd = body.indexOf("\r\n", at);
            if (lineEnd < 0) {
                break;
            }
            int size = Integer.parseInt(body.substring(at, lineEnd).split(";")[0].trim(), 16);
            if (size == 0) {
                break;
            }
            int end = Math.min(body.length(), lineEnd + 2 + size);
            out.append(body, lineEnd + 2, end);
            at = end + 2;
        }
        return out.toString();
    }

    /** An HTTP answer read to its end: a Content-Length body complete, or the last chunk of a chunked one. */
    private static boolean complete(String text) {
        if (text.startsWith("HTTP/1.1 100") && text.indexOf("\r\n\r\n") > 0) {
            text = text.substring(text.indexOf("\r\n\r\n") + 4);
        }
        int headEnd = text.indexOf("\r\n\r\n");
        if (headEnd < 0) {
            return false;
        }
        String head = text.substring(0, headEnd).toLowerCase(java.util.Locale.ROOT);
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("content-length: (\\d+)").matcher(head);
        if (length.find()) {
            return text.getBytes(StandardCharsets.UTF_8).length - headEnd - 4 >= Integer.parseInt(length.group(1));
        }
        return text.endsWith("\r\n0\r\n\r\n");
    }

    // ---- fixture: the hostile gateway, bob online, his deliveries ------------------------------------------------

    private void startFixture() throws Exception {
        Runnable heartbeat = () -> {
            try {
                Map<String, Object> hb = new LinkedHashMap<>();
                hb.put("gateway_id", fixture.gateway());
                hb.put("status", "up");
                hb.put("timestamp", System.currentTimeMillis());
                producer.send(new ProducerRecord<>("im-gateway-topic",
                        fixture.gateway().getBytes(StandardCharsets.UTF_8), WireJson.toBytes(hb)));
            } catch (RuntimeException e) {
                out.println("fixture heartbeat failed: " + e);
            }
        };
        heartbeat.run();
        timers.scheduleAtFixedRate(heartbeat, 2, 2, TimeUnit.SECONDS);
        Map<String, Object> presence = new LinkedHashMap<>();
        presence.put("user_id", fixture.bob());
        presence.put("device_id", fixture.bobDevice());
        presence.put("gateway_id", fixture.gateway());
        presence.put("status", "online");
        presence.put("timestamp", System.currentTimeMillis());
        producer.send(new ProducerRecord<>("im-presence-topic", fixture.bob().getBytes(StandardCharsets.UTF_8),
                WireJson.toBytes(presence))).get(30, TimeUnit.SECONDS);
    }

    private void awaitSetup(List<HostileRecord> records) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        String topic = fixture.gatewayTopic();
        while (!admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(topic)) {
            require(System.nanoTime() < deadline, "the dispatcher never created " + topic);
            Thread.sleep(500);
        }
        threads.submit(() -> readDeliveries(topic));
        while (!check(new Effect.PresenceOnline(fixture.bob(), fixture.bobDevice(), fixture.gateway()), null).ok()) {
            require(System.nanoTime() < deadline, "bob's presence never reached the dispatcher");
            Thread.sleep(500);
        }
        for (HostileRecord r : records) {
            if (r.phase() != Phase.SETUP) {
                continue;
            }
            Check c = observe(r);
            while (!c.ok() && System.nanoTime() < deadline) {
                Thread.sleep(1000);
                gatewaysCache = null;
                c = observe(r);
            }
            setupChecks.put(r.id(), c);
            out.println("setup " + r.id() + ": " + c.text());
        }
        // The router's group table is a global table too; it takes the group records beside the projection.
        Thread.sleep(3000);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }

    private void readDeliveries(String topic) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrapServers());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * HostileCorpus.MIB);
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 32 * HostileCorpus.MIB);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    delivered(record.value());
                }
            }
        } catch (RuntimeException e) {
            out.println("delivery consumer failed: " + e);
        }
    }

    private void delivered(byte[] value) {
        try {
            JsonNode m = WireJson.mapper().readTree(value);
            String id = m.path("from_user_id").asString("") + "\u0000" + m.path("message_id").asString("");
            if (m.has("recipients") && m.get("recipients").isArray()) {
                for (JsonNode r : m.get("recipients")) {
                    for (JsonNode d : r.path("device_ids")) {
                        deliveries.merge(id + "\u0000" + r.path("user_id").asString("") + "\u0000" + d.asString(""),
                                1, Integer::sum);
                    }
                }
            } else {
                for (JsonNode d : m.path("device_ids")) {
                    deliveries.merge(id + "\u0000" + m.path("to_user_id").asString("") + "\u0000" + d.asString(""),
                            1, Integer::sum);
                }
            }
        } catch (RuntimeException e) {
            out.println("undecodable delivery on the hostile gateway: " + e);
        }
    }

    private Future<DeliveryChecker.Summary> startSimulation() throws InterruptedException {
        if (options.simulation() == null) {
            return null;
        }
        SimulationSettings settings = options.simulation().workerUrl(pipeline.url(WORKER))
                .serviceToken(pipeline.serviceToken()).build();
        Simulation simulation = new Simulation(settings);
        Future<DeliveryChecker.Summary> future = threads.submit(() -> simulation.run(
                p -> out.println("simulator: " + ProgressLine.of(p)), Duration.ofSeconds(5)));
        // The simulator announces groups and presence and settles first: send once its traffic flows.
        long deadline = System.nanoTime() + settings.settle().plusSeconds(30).toNanos();
        while (simulation.checker().progress().sent() == 0 && System.nanoTime() < deadline && !future.isDone()) {
            Thread.sleep(200);
        }
        return future;
    }

    // ---- accounting ------------------------------------------------------------------------------------------

    private List<HostileReport.Row> account(List<HostileRecord> records) throws InterruptedException {
        long deadline = System.nanoTime() + options.accountTimeout().toNanos();
        Map<String, Check> done = new HashMap<>(setupChecks);
        while (true) {
            gatewaysCache = null;
            int pending = 0;
            for (HostileRecord r : records) {
                if (done.containsKey(r.id())) {
                    continue;
                }
                Check c = observe(r);
                if (c.ok()) {
                    done.put(r.id(), c);
                } else {
                    pending++;
                }
            }
            if (pending == 0 || System.nanoTime() > deadline) {
                out.printf("accounting: %d of %d records as expected%s%n", records.size() - pending, records.size(),
                        pending == 0 ? "" : " (timeout; final pass now)");
                break;
            }
            out.printf("accounting: %d records still pending%n", pending);
            Thread.sleep(3000);
        }
        Thread.sleep(3000);
        gatewaysCache = null;
        List<HostileReport.Row> rows = new ArrayList<>();
        for (HostileRecord r : records) {
            Check c = setupChecks.containsKey(r.id()) ? new Check(setupChecks.get(r.id()).ok(),
                    setupChecks.get(r.id()).text() + " (checked before MAIN)") : observe(r);
            rows.add(new HostileReport.Row(r, describe(r.expected()), c.text(), outcome(r, c), c.ok()));
        }
        return rows;
    }

    /** The outcome class a row counts in, for the per-target counts. */
    private static String outcome(HostileRecord r, Check c) {
        if (!c.ok()) {
            return HostileReport.UNACCOUNTED;
        }
        Expectation e = r.expected();
        if (e instanceof Expectation.Processed) {
            return "processed";
        }
        if (e instanceof Expectation.DeadLettered d) {
            return "dead-lettered " + d.reason();
        }
        if (e instanceof Expectation.Skipped s) {
            return Expectation.Skipped.DROPPED.equals(s.counter()) ? "dropped by a global table (no key), counted"
                    : "stored unusable (unreadable), counted";
        }
        if (e instanceof Expectation.BrokerRefused) {
            return "refused by the broker";
        }
        Expectation.Http h = (Expectation.Http) e;
        if (h.status() == 202) {
            return h.then() instanceof Expectation.DeadLettered d ? "HTTP 202, then dead-lettered " + d.reason()
                    : "HTTP 202, processed";
        }
        return "HTTP " + h.status() + (h.code() == null ? "" : " " + h.code());
    }

    /** Checks one record against what the pipeline shows now (usable after {@link #run()}, pipeline still up). */
    public boolean check(HostileRecord record) {
        gatewaysCache = null;
        return observe(record).ok();
    }

    private Check observe(HostileRecord r) {
        Sent s = sent.get(r.id());
        if (s == null) {
            return new Check(false, "not sent");
        }
        if (r.expected() instanceof Expectation.BrokerRefused b) {
            boolean refused = s.error() != null && s.error().contains(b.exception());
            return new Check(refused, s.error() == null ? "ACCEPTED by the broker" : "refused by the broker: "
                    + s.error().replaceFirst("^.*?: ", ""));
        }
        if (s.error() != null) {
            return new Check(false, "send failed: " + s.error());
        }
        try {
            if (r.expected() instanceof Expectation.Http h) {
                return observeHttp(r, s, h);
            }
            return observeRecord(r, r.expected(), fixture.topic(r.target()), s.partition(), s.offset());
        } catch (Exception e) {
            return new Check(false, "check failed: " + e);
        }
    }

    private Check observeHttp(HostileRecord r, Sent s, Expectation.Http h) throws Exception {
        String code = httpCode(s.body());
        List<String> problems = new ArrayList<>();
        String text = "HTTP " + s.status() + (code == null ? "" : " " + code);
        if (s.status() != h.status()) {
            problems.add("status");
        }
        if (h.code() != null && !h.code().equals(code)) {
            problems.add("code");
            text += " (body: " + (s.body() == null ? "none" : s.body().length() > 300 ? s.body().substring(0, 300)
                    + "..." : s.body()) + ")";
        }
        List<String> parts = new ArrayList<>();
        parts.add(text);
        if (h.then() != null) {
            if (h.status() == 202) {
                if (s.accepted().isEmpty()) {
                    problems.add("no accepted message in the answer");
                }
                for (long[] at : s.accepted()) {
                    Check c = observeRecord(r, h.then(), "im-upstream-topic", (int) at[0], at[1]);
                    parts.add(c.text());
                    if (!c.ok()) {
                        problems.add("then");
                    }
                }
            } else {
                Check c = effects(h.then().effects(), null);
                parts.add(c.text());
                if (!c.ok()) {
                    problems.add("effects");
                }
            }
        }
        return new Check(problems.isEmpty(), String.join("; ", parts));
    }

    private static String httpCode(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            JsonNode json = WireJson.mapper().readTree(body);
            if (json.hasNonNull("error") && json.get("error").isString()
                    && json.get("error").stringValue().matches("[A-Z][A-Z_]*")) {
                return json.get("error").stringValue();
            }
            for (JsonNode result : json.path("results")) {
                if ("rejected".equals(result.path("status").asString(""))) {
                    return result.path("reason").asString(null);
                }
            }
        } catch (RuntimeException e) {
            return null;
        }
        return null;
    }

    /** A record on a topic at (partition, offset): its dead letters and effects against the expectation. */
    private Check observeRecord(HostileRecord r, Expectation expected, String topic, int partition, long offset)
            throws SQLException {
        List<DeadLetterRow> letters = deadLetters(topic, partition, offset, r);
        String found = letters.isEmpty() ? "no dead letter" : letters.stream().map(l -> l.describe(topic))
                .collect(Collectors.joining(", "));
        if (expected instanceof Expectation.DeadLettered d) {
            boolean one = letters.size() == 1;
            boolean right = one && d.reason().name().equals(letters.get(0).reason)
                    && d.dlqTopic().equals(letters.get(0).dlqTopic);
            Check e = effects(d.effects(), one ? letters.get(0) : null);
            return new Check(right && e.ok(), found + (letters.size() > 1 ? " (" + letters.size()
                    + " dead letters for one record)" : "") + (e.text().isEmpty() ? "" : "; " + e.text()));
        }
        if (expected instanceof Expectation.Processed p) {
            Check e = effects(p.effects(), null);
            return new Check(letters.isEmpty() && e.ok(), (letters.isEmpty() ? "processed" : "DEAD-LETTERED: "
                    + found) + (e.text().isEmpty() ? "" : ": " + e.text()));
        }
        if (expected instanceof Expectation.Skipped k) {
            Check e = effects(k.effects(), null);
            return new Check(letters.isEmpty() && e.ok(), (letters.isEmpty() ? "not dead-lettered, not applied"
                    : "DEAD-LETTERED: " + found) + (e.text().isEmpty() ? "" : ": " + e.text()));
        }
        throw new IllegalArgumentException("nested HTTP expectation");
    }

    private record DeadLetterRow(long id, String dlqTopic, String reason, String stage, byte[] key, String headers,
                                 String originalTopic) {
        @Override
        public String toString() {
            return "dead letter " + reason + " (" + dlqTopic + ", stage " + stage + ")";
        }

        /** With the original topic when it is not the record's own (a derived record's dead letter). */
        String describe(String topic) {
            return topic.equals(originalTopic) ? toString() : "dead letter " + reason + " of a record derived from it"
                    + " (" + dlqTopic + ", original topic " + originalTopic + ", stage " + stage + ")";
        }
    }

    /**
     * Dead letters of a record: by original topic, partition and offset; for messages also those written after a
     * repartition (partition and offset -1), found by the message's identity.
     */
    private List<DeadLetterRow> deadLetters(String topic, int partition, long offset, HostileRecord r)
            throws SQLException {
        List<DeadLetterRow> rows = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement("SELECT id, dlq_topic, reason, stage, record_key,"
                + " headers::text, original_topic FROM dead_letters WHERE original_topic = ? AND original_partition = ?"
                + " AND original_offset = ? ORDER BY id")) {
            ps.setString(1, topic);
            ps.setInt(2, partition);
            ps.setLong(3, offset);
            rows.addAll(read(ps));
        }
        for (Effect e : r.expected().effects()) {
            String from = null;
            String id = null;
            if (e instanceof Effect.Persisted p) {
                from = p.fromUserId();
                id = p.messageId();
            } else if (e instanceof Effect.NotPersisted n) {
                from = n.fromUserId();
                id = n.messageId();
            }
            if (from != null) {
                // Dead letters of what the pipeline derived from the message (routed records, tasks), and of the
                // message itself after a repartition (partition and offset -1): found by the message's identity.
                try (PreparedStatement ps = db.prepareStatement("SELECT id, dlq_topic, reason, stage, record_key,"
                        + " headers::text, original_topic FROM dead_letters WHERE message_id = ? AND from_user_id = ?"
                        + " ORDER BY id")) {
                    ps.setString(1, id);
                    ps.setString(2, from);
                    for (DeadLetterRow row : read(ps)) {
                        if (rows.stream().noneMatch(known -> known.id() == row.id())) {
                            rows.add(row);
                        }
                    }
                }
            }
        }
        return rows;
    }

    private static List<DeadLetterRow> read(PreparedStatement ps) throws SQLException {
        List<DeadLetterRow> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.add(new DeadLetterRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getBytes(5), rs.getString(6), rs.getString(7)));
            }
        }
        return rows;
    }

    private Check effects(List<Effect> effects, DeadLetterRow letter) {
        List<String> texts = new ArrayList<>();
        boolean ok = true;
        for (Effect e : effects) {
            Check c = check(e, letter);
            ok &= c.ok();
            texts.add(c.text());
        }
        return new Check(ok, String.join(", ", texts));
    }

    private Check check(Effect effect, DeadLetterRow letter) {
        try {
            if (effect instanceof Effect.Persisted p) {
                long n = count("SELECT count(*) FROM messages WHERE from_user_id = ? AND message_id = ?"
                        + " AND conversation_id = ?", p.fromUserId(), p.messageId(), p.conversationId());
                return new Check(n == 1, n == 1 ? "persisted" : n + " rows persisted");
            }
            if (effect instanceof Effect.NotPersisted n) {
                long rows = count("SELECT count(*) FROM messages WHERE from_user_id = ? AND message_id = ?",
                        n.fromUserId(), n.messageId());
                return new Check(rows == 0, rows == 0 ? "not persisted" : "PERSISTED (" + rows + " rows)");
            }
            if (effect instanceof Effect.Delivered d) {
                int n = deliveries.getOrDefault(d.fromUserId() + "\u0000" + d.messageId() + "\u0000" + d.userId()
                        + "\u0000" + d.deviceId(), 0);
                return new Check(n == 1, n == 1 ? "delivered to bob" : n == 0 ? "not delivered to bob"
                        : "delivered to bob " + n + " times");
            }
            if (effect instanceof Effect.Pushed p) {
                long n = pushes(p.fromUserId(), p.messageId());
                return new Check(n == p.users(), String.format("%,d of %,d pushes", n, p.users()));
            }
            if (effect instanceof Effect.Scheduled s) {
                HttpResponse<String> response = get(ROUTER, "/api/v1/scheduled?limit=1000");
                boolean held = response.statusCode() == 200 && response.body().contains("\"" + s.messageId()
                        + "\"");
                return new Check(held, held ? "held (scheduled)" : "not held (" + response.statusCode() + ")");
            }
            if (effect instanceof Effect.HistoryRow h) {
                HttpResponse<String> response = get(WORKER, "/api/v1/conversations/" + encode(h.conversationId())
                        + "/messages?after_seq=0&limit=200");
                boolean found = false;
                if (response.statusCode() == 200) {
                    for (JsonNode m : WireJson.mapper().readTree(response.body()).path("messages")) {
                        found |= h.messageId().equals(m.path("message_id").asString(""))
                                && h.fromUserId().equals(m.path("from_user_id").asString(""));
                    }
                }
                return new Check(found, found ? "in the history API" : "NOT in the history API ("
                        + response.statusCode() + ")");
            }
            if (effect instanceof Effect.PresenceOnline p) {
                HttpResponse<String> response = get(DISPATCHER, "/api/v1/presence/" + encode(p.userId()));
                boolean online = false;
                if (response.statusCode() == 200) {
                    for (JsonNode d : WireJson.mapper().readTree(response.body()).path("devices")) {
                        online |= p.deviceId().equals(d.path("device_id").asString(""))
                                && p.gatewayId().equals(d.path("gateway_id").asString(""));
                    }
                }
                return new Check(online, online ? "presence stored" : "presence not stored ("
                        + response.statusCode() + ")");
            }
            if (effect instanceof Effect.PresenceAbsent p) {
                HttpResponse<String> response = get(DISPATCHER, "/api/v1/presence/" + encode(p.userId()));
                return new Check(response.statusCode() == 404, response.statusCode() == 404 ? "no presence"
                        : "PRESENCE STORED (" + response.statusCode() + ")");
            }
            if (effect instanceof Effect.GatewayKnown g) {
                JsonNode gw = gateway(g.gatewayId());
                boolean known = gw != null && (g.timestamp() < 0
                        || gw.path("last_heartbeat").asLong() == g.timestamp());
                return new Check(known, gw == null ? "gateway not in the table" : "gateway in the table ("
                        + gw.path("state").asString("?") + ", topic_ready " + gw.path("topic_ready").asBoolean()
                        + ")");
            }
            if (effect instanceof Effect.GatewayUnreadable g) {
                JsonNode gw = gateway(g.key());
                boolean ok = gw != null && "unreadable".equals(gw.path("state").asString(""))
                        && g.problem().equals(gw.path("problem").asString(""));
                return new Check(ok, gw == null ? "key not in the gateway table" : "listed "
                        + gw.path("state").asString("?") + (gw.hasNonNull("problem") ? " (" + gw.path("problem")
                        .asString() + ")" : ""));
            }
            if (effect instanceof Effect.GatewayAbsent g) {
                JsonNode gw = gateway(g.gatewayId());
                return new Check(gw == null, gw == null ? "not in the gateway table" : "IN THE GATEWAY TABLE");
            }
            if (effect instanceof Effect.GroupApplied g) {
                long groups = count("SELECT count(*) FROM groups WHERE group_id = ?", g.groupId());
                long members = count("SELECT count(*) FROM group_members WHERE group_id = ?", g.groupId());
                boolean ok = groups == 1 && members == g.members();
                return new Check(ok, groups == 0 ? "group not in the projection"
                        : String.format("group in the projection, %,d members", members));
            }
            if (effect instanceof Effect.GroupAbsent g) {
                long groups = count("SELECT count(*) FROM groups WHERE group_id = ?", g.groupId());
                return new Check(groups == 0, groups == 0 ? "not in the group projection"
                        : "IN THE GROUP PROJECTION");
            }
            if (effect instanceof Effect.ReadUnreadableGroup) {
                return new Check(true, "counted in " + UNREADABLE_GROUPS_METRIC);
            }
            if (effect instanceof Effect.HeaderNameKept h) {
                boolean kept = letter != null && headerNameKept(letter.headers(), h.name());
                return new Check(kept, kept ? "header name kept exactly" : "header name NOT kept");
            }
            if (effect instanceof Effect.KeyKept k) {
                boolean kept = letter != null && Arrays.equals(letter.key(), k.key());
                String same = k.note() == null ? "key kept exactly" : k.note();
                return new Check(kept, letter == null ? "key not checked (no dead letter)" : kept ? same
                        : "KEY CHANGED: sent " + Bytes.size(k.key().length) + (k.key().length <= 16 ? " " + hex(k.key())
                        : "") + ", stored " + (letter.key() == null ? "null" : Bytes.size(letter.key().length)
                        + (letter.key().length <= 16 ? " " + hex(letter.key()) : "")));
            }
            throw new IllegalArgumentException("unknown effect " + effect);
        } catch (Exception e) {
            return new Check(false, effect.getClass().getSimpleName() + " check failed: " + e);
        }
    }

    private long pushes(String from, String messageId) throws SQLException {
        try {
            return count("SELECT count(*) FROM push_notifications WHERE from_user_id = ? AND message_id = ?", from,
                    messageId);
        } catch (SQLException e) {
            // Before the worker's v2 schema the ledger had no from_user_id.
            return count("SELECT count(*) FROM push_notifications WHERE message_id = ?", messageId);
        }
    }

    private static boolean headerNameKept(String headersJson, byte[] name) {
        JsonNode headers = WireJson.mapper().readTree(headersJson);
        String b64 = Base64.getEncoder().encodeToString(name);
        String text = new String(name, StandardCharsets.UTF_8);
        for (JsonNode h : headers) {
            if (h.hasNonNull("name_base64") ? b64.equals(h.get("name_base64").asString())
                    : text.equals(h.path("name").asString(null)) && text.indexOf('\u0000') < 0) {
                return true;
            }
        }
        return false;
    }

    private JsonNode gateway(String gatewayId) throws Exception {
        if (gatewaysCache == null) {
            HttpResponse<String> response = get(DISPATCHER, "/api/v1/gateways");
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET /api/v1/gateways: " + response.statusCode());
            }
            gatewaysCache = WireJson.mapper().readTree(response.body());
        }
        for (JsonNode g : gatewaysCache) {
            if (gatewayId.equals(g.path("gateway_id").asString(null))) {
                return g;
            }
        }
        return null;
    }

    private long count(String sql, String... params) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpResponse<String> get(String app, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(pipeline.url(app) + path))
                .timeout(Duration.ofSeconds(30)).header("X-Service-Token", pipeline.serviceToken()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    // ---- global-table skips ----------------------------------------------------------------------------------

    /**
     * How much a counter must grow: the dispatcher drops heartbeats without a key and lists the other bad ones
     * unreadable (one entry per key); the router's group table drops group records without a key and the invalid
     * ones (those the task-worker dead-letters).
     */
    static int expectedSkips(List<HostileRecord> records, String app, String counter) {
        int n = 0;
        for (HostileRecord r : records) {
            boolean counted;
            if (app.equals(ROUTER)) {
                // Both global tables hold bytes: nothing a broker accepts is dropped by Kafka Streams.
                counted = false;
            } else {
                counted = r.target() == Target.GATEWAY && r.expected() instanceof Expectation.Skipped s
                        && s.counter().equals(counter);
            }
            n += counted ? 1 : 0;
        }
        return n;
    }

    /** Messages refused because their group's entry in the router's table is unusable: one read each. */
    static int readsOfUnreadableGroups(List<HostileRecord> records) {
        return (int) records.stream().filter(r -> r.expected().effects().stream()
                .anyMatch(e -> e instanceof Effect.ReadUnreadableGroup)).count();
    }

    private static double orZero(double value) {
        return Double.isNaN(value) ? 0 : value;
    }

    /**
     * A metric of an app at {@code /actuator/prometheus}: the lines of {@code name} (with {@code label} in their
     * labels, when given), summed over the app's instances (a gauge of a global table: the first instance's value);
     * NaN when not exposed.
     */
    private double metric(String app, String name, String label) {
        double total = 0;
        boolean found = false;
        for (AppProcess instance : pipeline.apps(app)) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:"
                        + instance.spec().port() + "/actuator/prometheus")).timeout(Duration.ofSeconds(30))
                        .header("X-Service-Token", pipeline.serviceToken()).build(),
                        HttpResponse.BodyHandlers.ofString());
                for (String line : response.body().split("\n")) {
                    if ((line.startsWith(name + "{") || line.startsWith(name + " "))
                            && (label == null || line.contains(label))) {
                        total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                        found = true;
                    }
                }
                if (found && label == null) {
                    return total;
                }
            } catch (IOException | RuntimeException e) {
                out.println("metrics of " + app + ": " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return found ? total : Double.NaN;
    }

    /** Skipped rows are right only when their table's counter grew by exactly the corpus' count. */
    private static List<HostileReport.Row> withSkipVerdict(List<HostileReport.Row> rows,
                                                           List<HostileReport.SkipCount> skips) {
        List<HostileReport.Row> out = new ArrayList<>();
        for (HostileReport.Row row : rows) {
            if (row.record().expected() instanceof Expectation.Skipped s) {
                HostileReport.SkipCount count = skips.stream().filter(c -> c.app().equals(s.app())
                        && c.counter().equals(s.counter())).findFirst().orElseThrow();
                String observed = row.observed() + "; " + (count.found() ? "counted (" + count.app() + " "
                        + count.counter() + " +" + Math.round(count.after() - count.before()) + ", expected +"
                        + count.expected() + ")" : "the counter " + count.metric() + " is not exposed");
                out.add(new HostileReport.Row(row.record(), row.expected(), observed,
                        row.ok() && count.ok() ? row.outcome() : HostileReport.UNACCOUNTED, row.ok() && count.ok()));
            } else {
                out.add(row);
            }
        }
        return out;
    }

    // ---- health ------------------------------------------------------------------------------------------------

    private void checkHealth(List<String> health, List<String> failures) {
        for (AppProcess app : pipeline.apps()) {
            String base = "http://localhost:" + app.spec().port();
            List<String> parts = new ArrayList<>();
            boolean ok = app.isAlive();
            parts.add(ok ? "process alive" : "PROCESS DEAD");
            for (String probe : List.of("liveness", "readiness")) {
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/actuator/health/"
                            + probe)).timeout(Duration.ofSeconds(10)).header("X-Service-Token",
                            pipeline.serviceToken()).build(), HttpResponse.BodyHandlers.ofString());
                    boolean up = r.statusCode() == 200 && r.body().contains("\"status\":\"UP\"");
                    ok &= up;
                    parts.add(probe + " " + (up ? "UP" : r.statusCode() + " " + r.body()));
                } catch (Exception e) {
                    ok = false;
                    parts.add(probe + " unreachable: " + e);
                }
            }
            if (app.spec().streams()) {
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/actuator/health"))
                            .timeout(Duration.ofSeconds(10)).header("X-Service-Token", pipeline.serviceToken())
                            .build(), HttpResponse.BodyHandlers.ofString());
                    JsonNode streams = WireJson.mapper().readTree(r.body()).path("components").path("streams")
                            .path("details");
                    List<String> states = new ArrayList<>();
                    streams.properties().forEach(e -> states.add(e.getKey() + "=" + e.getValue().asString("")));
                    boolean running = !states.isEmpty() && states.stream().allMatch(s -> s.endsWith("=RUNNING"));
                    ok &= running;
                    parts.add("streams " + states);
                } catch (Exception e) {
                    ok = false;
                    parts.add("streams state unreadable: " + e);
                }
            }
            String line = app.instanceId() + ": " + String.join(", ", parts);
            health.add(line);
            if (!ok) {
                failures.add("app not healthy at the end: " + line);
            }
        }
    }

    @Override
    public void close() {
        running.set(false);
        timers.shutdownNow();
        threads.shutdownNow();
        try {
            threads.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (raw != null) {
            raw.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (db != null) {
            try {
                db.close();
            } catch (SQLException e) {
                // closing anyway
            }
        }
    }

    /** What an expectation says, for the table. */
    static String describe(Expectation e) {
        if (e instanceof Expectation.Processed p) {
            return "processed" + (p.effects().isEmpty() ? "" : ": " + listed(p.effects()));
        }
        if (e instanceof Expectation.DeadLettered d) {
            return "dead letter " + d.reason() + " (" + d.dlqTopic() + ")" + (d.effects().isEmpty() ? ""
                    : "; " + listed(d.effects()));
        }
        if (e instanceof Expectation.Skipped s) {
            return (Expectation.Skipped.DROPPED.equals(s.counter()) ? "dropped by " + s.app()
                    + "'s global table (no key), counted in dropped-records" : "stored by " + s.app()
                    + "'s gateway table as unusable, counted")
                    + (s.effects().isEmpty() ? "" : "; " + listed(s.effects()));
        }
        if (e instanceof Expectation.BrokerRefused b) {
            return "refused by the broker (" + b.exception() + ")";
        }
        Expectation.Http h = (Expectation.Http) e;
        return "HTTP " + h.status() + (h.code() == null ? "" : " " + h.code())
                + (h.then() == null ? "" : "; then " + describe(h.then()));
    }

    private static String listed(List<Effect> effects) {
        return effects.stream().map(HostileRun::describe).collect(Collectors.joining(", "));
    }

    static String describe(Effect e) {
        if (e instanceof Effect.Persisted) {
            return "persisted";
        } else if (e instanceof Effect.NotPersisted) {
            return "not persisted";
        } else if (e instanceof Effect.Delivered) {
            return "delivered to bob";
        } else if (e instanceof Effect.Pushed p) {
            return String.format("%,d pushes", p.users());
        } else if (e instanceof Effect.Scheduled) {
            return "held (scheduled)";
        } else if (e instanceof Effect.HistoryRow) {
            return "in the history API";
        } else if (e instanceof Effect.PresenceOnline) {
            return "presence stored";
        } else if (e instanceof Effect.PresenceAbsent) {
            return "no presence";
        } else if (e instanceof Effect.GatewayKnown) {
            return "gateway in the table";
        } else if (e instanceof Effect.GatewayUnreadable u) {
            return "listed unreadable (" + u.problem() + ")";
        } else if (e instanceof Effect.GatewayAbsent) {
            return "not in the gateway table";
        } else if (e instanceof Effect.GroupApplied g) {
            return String.format("group in the projection, %,d members", g.members());
        } else if (e instanceof Effect.GroupAbsent) {
            return "not in the group projection";
        } else if (e instanceof Effect.ReadUnreadableGroup) {
            return "an unusable group entry read (counted)";
        } else if (e instanceof Effect.HeaderNameKept) {
            return "header name kept exactly";
        } else {
            Effect.KeyKept k = (Effect.KeyKept) e;
            return k.note() == null ? "key kept exactly" : k.note();
        }
    }

    static String hex(byte[] bytes) {
        StringBuilder b = new StringBuilder();
        for (byte x : bytes) {
            b.append(String.format("%02x", x));
        }
        return b.toString();
    }

}
