package io.impipeline.launcher.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The physical limit of the design (issue 16): a bare chain of read-process-write hops, each a pass-through Kafka
 * Streams app ({@code hop i: topic i -> topic i+1}, no state, no serde work), on the same broker as the pipeline,
 * with the same record size, topic shape (partitions, replication, lz4) and commit interval. What it costs a record
 * to cross that many transactional hops is what exactly-once itself costs on this machine; the pipeline's latency
 * can only be compared against it.
 *
 * <p>A run: topics {@code <run>-in}, {@code <run>-hop1} .. {@code <run>-hop<n-1>}, {@code <run>-out} created with
 * the AdminClient; {@code n} {@link KafkaStreams} clients (own application id, own temporary state dir, one stream
 * thread, the given {@code processing.guarantee} and {@code commit.interval.ms}; otherwise as the pipeline's apps:
 * Streams' defaults, producer lz4 and {@code acks=all}, static membership with a 10 s session); a
 * {@code read_committed} consumer assigned every partition of the last topic; a producer paced at the given rate
 * ({@code acks=all}, idempotent, lz4, linger 5 ms, 1,000 keys: the gateway simulator's producer). It sends for the
 * warm-up (not measured), then for the duration; each value carries its send time ({@link System#nanoTime()} just
 * before {@code send}, as the simulator stamps its {@code timestamp}: the actual send, not the scheduled one), a
 * sequence number and whether it is measured, padded to the record size. Latency is from that send time to the
 * consumer's {@code poll} returning the record. Afterwards everything is closed, the Streams apps' consumer groups
 * and the topics are deleted and the state dirs removed.
 *
 * <p>Unlike the pipeline, the hops run in one JVM together with the producer and the consumer (three JVMs fewer on
 * the same cores): if anything, the bare chain is favoured.
 */
public final class BareChain {

    /** Bytes every value needs: send time, sequence, measured flag. */
    public static final int MIN_RECORD_BYTES = 17;

    private static final int KEYS = 1000;
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final long HISTOGRAM_MAX_MICROS = TimeUnit.MINUTES.toMicros(10);

    private BareChain() {
    }

    /** Kafka Streams' {@code processing.guarantee}. */
    public enum Guarantee {
        EXACTLY_ONCE_V2(StreamsConfig.EXACTLY_ONCE_V2),
        AT_LEAST_ONCE(StreamsConfig.AT_LEAST_ONCE);

        private final String config;

        Guarantee(String config) {
            this.config = config;
        }

        /** The value of {@code processing.guarantee}. */
        public String config() {
            return config;
        }

        /** From {@code exactly_once_v2} or {@code at_least_once}, any case (also {@code eos}, {@code alos}). */
        public static Guarantee parse(String text) {
            String t = text.trim().toLowerCase(Locale.ROOT).replace('-', '_');
            for (Guarantee g : values()) {
                if (g.config.equals(t)) {
                    return g;
                }
            }
            return switch (t) {
                case "eos", "eos_v2", "exactly_once" -> EXACTLY_ONCE_V2;
                case "alos" -> AT_LEAST_ONCE;
                default -> throw new IllegalArgumentException("unknown processing guarantee '" + text
                        + "' (exactly_once_v2 or at_least_once)");
            };
        }
    }

    /**
     * @param rate           records per second sent into the chain
     * @param duration       how long the measured records are sent
     * @param recordBytes    size of each value (at least {@link #MIN_RECORD_BYTES})
     * @param commitInterval {@code commit.interval.ms} of every hop
     * @param guarantee      {@code processing.guarantee} of every hop
     * @param hops           pass-through Streams apps in the chain (3: the chain)
     * @param partitions     partitions of every topic of the chain (the pipeline's upstream and routed topics: 10)
     * @param replication    replicas of every topic ({@code min.insync.replicas} is min(2, replication), as in the
     *                       pipeline)
     * @param warmUp         sent at the same rate before the measured records, not measured (0: none)
     * @param drainTimeout   how long to wait after the last send for the last measured record to come out
     */
    public record Settings(int rate, Duration duration, int recordBytes, Duration commitInterval, Guarantee guarantee,
                           int hops, int partitions, short replication, Duration warmUp, Duration drainTimeout) {

        public Settings {
            Objects.requireNonNull(duration, "duration");
            Objects.requireNonNull(commitInterval, "commitInterval");
            Objects.requireNonNull(guarantee, "guarantee");
            Objects.requireNonNull(warmUp, "warmUp");
            Objects.requireNonNull(drainTimeout, "drainTimeout");
            if (rate < 1) {
                throw new IllegalArgumentException("rate must be at least 1 record/s, not " + rate);
            }
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("duration must be positive, not " + duration);
            }
            if (recordBytes < MIN_RECORD_BYTES) {
                throw new IllegalArgumentException("records need at least " + MIN_RECORD_BYTES + " bytes, not "
                        + recordBytes);
            }
            if (commitInterval.isNegative()) {
                throw new IllegalArgumentException("commit interval must not be negative: " + commitInterval);
            }
            if (hops < 1 || partitions < 1 || replication < 1) {
                throw new IllegalArgumentException("hops, partitions and replication must be at least 1");
            }
            if (warmUp.isNegative() || drainTimeout.isNegative()) {
                throw new IllegalArgumentException("warm-up and drain timeout must not be negative");
            }
        }

        /**
         * The chain at the pipeline benchmark's load: 1,000 records/s for 30 s, 1 KiB, commit every 100 ms,
         * exactly_once_v2, 3 hops, 10 partitions, 1 replica (single broker), 5 s warm-up, 2 min drain timeout.
         */
        public static Settings defaults() {
            return new Settings(1000, Duration.ofSeconds(30), 1024, Duration.ofMillis(100),
                    Guarantee.EXACTLY_ONCE_V2, 3, 10, (short) 1, Duration.ofSeconds(5), Duration.ofMinutes(2));
        }

        public Settings withRate(int rate) {
            return new Settings(rate, duration, recordBytes, commitInterval, guarantee, hops, partitions,
                    replication, warmUp, drainTimeout);
        }

        public Settings withDuration(Duration duration) {
            return new Settings(rate, duration, recordBytes, commitInterval, guarantee, hops, partitions,
                    replication, warmUp, drainTimeout);
        }

        public Settings withRecordBytes(int recordBytes) {
            return new Settings(rate, duration, recordBytes, commitInterval, guarantee, hops, partitions,
                    replication, warmUp, drainTimeout);
        }

        public Settings withCommitInterval(Duration commitInterval) {
            return new Settings(rate, duration, recordBytes, commitInterval, guarantee, hops, partitions,
                    replication, warmUp, drainTimeout);
        }

        public Settings withGuarantee(Guarantee guarantee) {
            return new Settings(rate, duration, recordBytes, commitInterval, guarantee, hops, partitions,
                    replication, warmUp, drainTimeout);
        }

        public Settings withHops(int hops) {
            return new Settings(rate, duration, recordBytes, commitInterval, guarantee, hops, partitions,
                    replication, warmUp, drainTimeout);
        }

        public Settings withTopics(int partitions, short replication) {
            return new Settings(rate, duration, recordBytes, commitInterval, guarantee, hops, partitions,
                    replication, warmUp, drainTimeout);
        }

        public Settings withWarmUp(Duration warmUp) {
            return new Settings(rate, duration, recordBytes, commitInterval, guarantee, hops, partitions,
                    replication, warmUp, drainTimeout);
        }

        public Settings withDrainTimeout(Duration drainTimeout) {
            return new Settings(rate, duration, recordBytes, commitInterval, guarantee, hops, partitions,
                    replication, warmUp, drainTimeout);
        }

        /** E.g. {@code 3 hops exactly_once_v2, commit 100 ms, 1,000 rec/s x 30 s, 1024 B, 10 partitions x 1}. */
        public String describe() {
            return String.format("%d hops %s, commit %d ms, %,d rec/s x %d s, %d B, %d partitions x %d", hops,
                    guarantee.config(), commitInterval.toMillis(), rate, duration.toSeconds(), recordBytes,
                    partitions, replication);
        }
    }

    /**
     * @param sent       measured records sent
     * @param received   distinct measured records read from the last topic (every one of them has a latency)
     * @param duplicates measured records read more than once (none expected under exactly-once)
     * @param p50Millis  latency percentiles and maximum, send to receipt, milliseconds
     * @param achievedRate measured records sent per second (below {@code rate} when the producer could not keep up)
     */
    public record Result(Settings settings, long sent, long received, long duplicates, double p50Millis,
                         double p95Millis, double p99Millis, double maxMillis, double meanMillis,
                         double achievedRate) {

        /** Every measured record came out, each once. */
        public boolean complete() {
            return received == sent && duplicates == 0;
        }

        public long missing() {
            return sent - received;
        }

        /** p50/p95/p99/max in whole milliseconds, e.g. {@code p50 277, p95 457, p99 558, max 640 ms}. */
        public String latency() {
            return String.format("p50 %.0f, p95 %.0f, p99 %.0f, max %.0f ms", p50Millis, p95Millis, p99Millis,
                    maxMillis);
        }

        /** One line: settings, latency, counts. */
        public String render() {
            return String.format("bare chain (%s): %s; received %,d of %,d%s%s", settings.describe(), latency(),
                    received, sent, duplicates > 0 ? String.format(", %,d duplicated", duplicates) : "",
                    achievedRate < settings.rate() * 0.98 ? String.format(", sent only %.0f rec/s", achievedRate)
                            : "");
        }
    }

    /** Builds the chain on {@code bootstrapServers}, measures it, tears it down. */
    public static Result run(String bootstrapServers, Settings settings) throws Exception {
        String run = "bare-chain-" + Long.toString(System.currentTimeMillis(), 36) + "-"
                + Integer.toString((int) (System.nanoTime() & 0xffff), 36);
        List<String> topics = topics(run, settings.hops());
        List<String> applicationIds = new ArrayList<>();
        List<KafkaStreams> hops = new ArrayList<>();
        Path stateRoot = Files.createTempDirectory(run + "-state-");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            try {
                createTopics(admin, topics, settings);
                AtomicReference<Throwable> failure = new AtomicReference<>();
                for (int i = 0; i < settings.hops(); i++) {
                    String applicationId = run + "-hop" + (i + 1);
                    applicationIds.add(applicationId);
                    hops.add(startHop(bootstrapServers, applicationId, topics.get(i), topics.get(i + 1),
                            stateRoot.resolve("hop" + (i + 1)), settings, failure));
                }
                awaitRunning(hops, failure);
                return measure(bootstrapServers, topics.get(0), topics.get(topics.size() - 1), settings, hops,
                        failure);
            } finally {
                for (KafkaStreams hop : hops) {
                    // Static members leave (the admin removes them), so that the group can be deleted afterwards.
                    try {
                        hop.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(CLOSE_TIMEOUT));
                        hop.cleanUp();
                    } catch (RuntimeException e) {
                        System.err.println("bare chain: closing a hop: " + e);
                    }
                }
                cleanUp(admin, topics, applicationIds);
                deleteRecursively(stateRoot);
            }
        }
    }

    static List<String> topics(String run, int hops) {
        List<String> topics = new ArrayList<>();
        topics.add(run + "-in");
        for (int i = 1; i < hops; i++) {
            topics.add(run + "-hop" + i);
        }
        topics.add(run + "-out");
        return topics;
    }

    private static void createTopics(Admin admin, List<String> topics, Settings settings)
            throws InterruptedException, ExecutionException {
        Map<String, String> configs = Map.of(
                TopicConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(Math.min(2, settings.replication())));
        admin.createTopics(topics.stream().map(t -> new NewTopic(t, settings.partitions(), settings.replication())
                .configs(configs)).toList()).all().get();
    }

    private static KafkaStreams startHop(String bootstrapServers, String applicationId, String from, String to,
                                         Path stateDir, Settings settings, AtomicReference<Throwable> failure) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(from, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .to(to, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, settings.guarantee().config());
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, settings.commitInterval().toMillis());
        config.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        config.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) settings.replication());
        // As the pipeline's Streams apps (ImDefaultsEnvironmentPostProcessor, Membership): lz4, acks=all, static
        // membership with a 10 s session (which also lets close(leaveGroup) empty the group); else Streams' defaults.
        config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, applicationId + "-1");
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        config.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        config.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
        KafkaStreams streams = new KafkaStreams(builder.build(), config);
        streams.setUncaughtExceptionHandler(e -> {
            failure.compareAndSet(null, new IllegalStateException(applicationId + " failed", e));
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.start();
        return streams;
    }

    private static void awaitRunning(List<KafkaStreams> hops, AtomicReference<Throwable> failure)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!hops.stream().allMatch(h -> h.state() == KafkaStreams.State.RUNNING)) {
            checkHealthy(hops, failure);
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("the chain's Streams apps were not all RUNNING within " + START_TIMEOUT
                        + ": " + hops.stream().map(h -> h.state().toString()).toList());
            }
            Thread.sleep(100);
        }
    }

    private static void checkHealthy(List<KafkaStreams> hops, AtomicReference<Throwable> failure) {
        Throwable t = failure.get();
        if (t != null) {
            throw new IllegalStateException("a hop of the bare chain died", t);
        }
        for (KafkaStreams hop : hops) {
            KafkaStreams.State state = hop.state();
            if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR
                    || state == KafkaStreams.State.NOT_RUNNING || state == KafkaStreams.State.PENDING_SHUTDOWN) {
                throw new IllegalStateException("a hop of the bare chain stopped: " + state);
            }
        }
    }

    private static Result measure(String bootstrapServers, String in, String out, Settings settings,
                                  List<KafkaStreams> hops, AtomicReference<Throwable> failure) throws Exception {
        long interval = TimeUnit.SECONDS.toNanos(1) / settings.rate();
        long warmUpRecords = settings.warmUp().toNanos() / interval;
        long measuredRecords = settings.duration().toNanos() / interval;
        Receiver receiver = new Receiver(bootstrapServers, out, settings.partitions(), measuredRecords);
        Thread receiving = new Thread(receiver, "bare-chain-consumer");
        receiving.setDaemon(true);
        receiving.start();
        try {
            receiver.awaitAssigned();
            byte[] padding = new byte[settings.recordBytes() - MIN_RECORD_BYTES];
            for (int i = 0; i < padding.length; i++) {
                padding[i] = (byte) ('a' + i % 26);
            }
            long measuredStart;
            long measuredEnd;
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                    ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new ByteArraySerializer())) {
                AtomicReference<Exception> sendFailure = new AtomicReference<>();
                long total = warmUpRecords + measuredRecords;
                long next = System.nanoTime();
                measuredStart = next;
                for (long seq = 0; seq < total; seq++) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    next += interval;
                    if (seq % 100 == 0) {
                        checkHealthy(hops, failure);
                        receiver.check();
                        if (sendFailure.get() != null) {
                            throw sendFailure.get();
                        }
                    }
                    boolean measured = seq >= warmUpRecords;
                    long sentAt = System.nanoTime();
                    if (seq == warmUpRecords) {
                        measuredStart = sentAt;
                    }
                    ByteBuffer value = ByteBuffer.allocate(settings.recordBytes());
                    value.putLong(sentAt).putLong(seq).put((byte) (measured ? 1 : 0)).put(padding);
                    producer.send(new ProducerRecord<>(in, "user-" + (seq % KEYS), value.array()), (m, e) -> {
                        if (e != null) {
                            sendFailure.compareAndSet(null, e);
                        }
                    });
                }
                measuredEnd = System.nanoTime();
                producer.flush();
                if (sendFailure.get() != null) {
                    throw sendFailure.get();
                }
            }
            long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
            while (!receiver.done() && System.nanoTime() < deadline) {
                checkHealthy(hops, failure);
                receiver.check();
                Thread.sleep(50);
            }
            receiver.stop();
            receiving.join(CLOSE_TIMEOUT.toMillis());
            receiver.check();
            double achieved = measuredRecords * 1e9 / Math.max(1, measuredEnd - measuredStart);
            return receiver.result(settings, measuredRecords, achieved);
        } finally {
            receiver.stop();
            receiving.join(CLOSE_TIMEOUT.toMillis());
        }
    }

    /** The {@code read_committed} consumer on the last topic: every partition assigned, from the beginning. */
    private static final class Receiver implements Runnable {

        private final String bootstrapServers;
        private final String topic;
        private final int partitions;
        private final long expected;
        private final CountDownLatch assigned = new CountDownLatch(1);
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Histogram latencyMicros = new Histogram(HISTOGRAM_MAX_MICROS, 3);
        private final BitSet seen = new BitSet();
        private long received;
        private long duplicates;

        Receiver(String bootstrapServers, String topic, int partitions, long expected) {
            this.bootstrapServers = bootstrapServers;
            this.topic = topic;
            this.partitions = partitions;
            this.expected = expected;
        }

        @Override
        public void run() {
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> all = new ArrayList<>();
                for (int p = 0; p < partitions; p++) {
                    all.add(new TopicPartition(topic, p));
                }
                consumer.assign(all);
                consumer.seekToBeginning(all);
                all.forEach(consumer::position); // resolve the positions before anything is sent
                assigned.countDown();
                while (running.get()) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        long receivedAt = System.nanoTime();
                        ByteBuffer value = ByteBuffer.wrap(r.value());
                        long sentAt = value.getLong();
                        long seq = value.getLong();
                        if (value.get() == 0) {
                            continue; // warm-up
                        }
                        synchronized (this) {
                            if (seen.get((int) seq)) {
                                duplicates++;
                                continue;
                            }
                            seen.set((int) seq);
                            received++;
                            latencyMicros.recordValue(Math.min(HISTOGRAM_MAX_MICROS,
                                    Math.max(0, (receivedAt - sentAt) / 1000)));
                        }
                    }
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                assigned.countDown();
            }
        }

        void awaitAssigned() throws InterruptedException, TimeoutException {
            if (!assigned.await(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new TimeoutException("the chain's consumer was not assigned within " + START_TIMEOUT);
            }
            check();
        }

        void check() {
            Throwable t = failure.get();
            if (t != null) {
                throw new IllegalStateException("the chain's consumer failed", t);
            }
        }

        synchronized boolean done() {
            return received >= expected;
        }

        void stop() {
            running.set(false);
        }

        synchronized Result result(Settings settings, long sent, double achievedRate) {
            boolean any = latencyMicros.getTotalCount() > 0;
            return new Result(settings, sent, received, duplicates,
                    any ? latencyMicros.getValueAtPercentile(50) / 1000.0 : Double.NaN,
                    any ? latencyMicros.getValueAtPercentile(95) / 1000.0 : Double.NaN,
                    any ? latencyMicros.getValueAtPercentile(99) / 1000.0 : Double.NaN,
                    any ? latencyMicros.getMaxValue() / 1000.0 : Double.NaN,
                    any ? latencyMicros.getMean() / 1000.0 : Double.NaN, achievedRate);
        }
    }

    private static void cleanUp(Admin admin, List<String> topics, List<String> applicationIds) {
        try {
            if (!applicationIds.isEmpty()) {
                admin.deleteConsumerGroups(applicationIds).all().get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (Exception e) {
            System.err.println("bare chain: could not delete the consumer groups " + applicationIds + ": " + e);
        }
        try {
            admin.deleteTopics(topics).all().get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            System.err.println("bare chain: could not delete the topics " + topics + ": " + e);
        }
    }

    private static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("bare chain: could not remove " + directory + ": " + e);
        }
    }
}
