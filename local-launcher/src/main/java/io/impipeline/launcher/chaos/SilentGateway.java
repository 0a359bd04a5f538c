package io.impipeline.launcher.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.impipeline.model.codec.Tasks;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.GatewayHeartbeat;
import io.impipeline.model.wire.OfflinePushPayload;
import io.impipeline.model.wire.PresenceEvent;
import io.impipeline.model.wire.Task;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.simulator.DeliveryChecker;
import io.impipeline.simulator.DeliveryChecker.DeviceAt;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A gateway that dies without saying {@code down}: it heartbeats {@code up} every two seconds, its users are online
 * on it, and at {@link #silence()} it simply stops (no {@code down} heartbeat, no presence change: a crash). The
 * simulator's own dying gateway says {@code down} first, so this one is the harness's: it sends single-chat
 * messages to its users at a fixed rate (from senders with no device, so that no sync copy is expected) and judges
 * them with the simulator's {@link DeliveryChecker}, which defines "nothing lost":
 * <ul>
 *   <li>sent before the silence: delivered to the user's device on this gateway, exactly once ({@code Deliver});</li>
 *   <li>sent from the silence until {@code gateway-timeout} + {@link #SWITCH_SLACK} after it: delivered to the
 *       gateway's topic or pushed, exactly one way ({@code EitherWay});</li>
 *   <li>sent after that: one offline push, never delivered ({@code Push}).</li>
 * </ul>
 * Deliveries are read from the gateway's topic with a plain {@code read_committed} consumer (a dead gateway reads
 * nothing, but what the dispatcher wrote to its topic was not pushed, so it counts, as in the simulator); pushes,
 * persist tasks from {@code im-task-topic}.
 */
public final class SilentGateway implements AutoCloseable {

    public static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(2);
    public static final Duration SWITCH_SLACK = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(100);

    private final String bootstrapServers;
    private final ImTopicsProperties topics = ImTopicsProperties.defaults();
    private final String runId = UUID.randomUUID().toString().substring(0, 6);
    private final String gatewayId = "gw-silent-" + runId;
    private final List<String> users = new ArrayList<>();
    private final Set<String> userSet;
    private final List<String> senders = new ArrayList<>();
    private final String senderGateway;
    private final int rate;
    private final Duration timeout;
    private final DeliveryChecker checker = new DeliveryChecker();
    private final Random random;
    private final KafkaProducer<String, byte[]> producer;
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong lastHeartbeat = new AtomicLong();
    private final AtomicLong silentAt = new AtomicLong();
    private final AtomicLong firstPushAt = new AtomicLong();
    private final AtomicLong lastDeliveredSentAt = new AtomicLong();
    private final List<Thread> readers = new ArrayList<>();
    private ScheduledFuture<?> heartbeats;
    private ScheduledFuture<?> sending;
    private long sequence;

    /**
     * @param userCount     users with one device each on this gateway
     * @param rate          messages per second to them
     * @param timeout       the dispatcher's {@code im.dispatcher.gateway-timeout}
     * @param senderGateway the gateway named as the senders' (they have no presence)
     */
    public SilentGateway(String bootstrapServers, int userCount, int rate, Duration timeout, String senderGateway,
                         long seed) {
        this.bootstrapServers = bootstrapServers;
        this.rate = rate;
        this.timeout = timeout;
        this.senderGateway = senderGateway;
        this.random = new Random(seed);
        for (int i = 1; i <= userCount; i++) {
            users.add("s-" + runId + "-" + i);
        }
        userSet = Set.copyOf(users);
        for (int i = 1; i <= 4; i++) {
            senders.add("x-" + runId + "-" + i);
        }
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new ByteArraySerializer());
    }

    public String gatewayId() {
        return gatewayId;
    }

    public DeliveryChecker checker() {
        return checker;
    }

    private static String deviceOf(String user) {
        return user + "-d1";
    }

    /** Heartbeats, presence, readers now; messages from {@code sendAfter} on, for {@code sendFor}. */
    public void start(Duration sendAfter, Duration sendFor) {
        heartbeats = timers.scheduleAtFixedRate(this::heartbeat, 0, HEARTBEAT_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        long now = System.currentTimeMillis();
        for (String user : users) {
            producer.send(new ProducerRecord<>(topics.name(TopicKind.PRESENCE), user, WireJson.toBytes(
                    new PresenceEvent(user, deviceOf(user), gatewayId, PresenceEvent.Status.ONLINE, now))));
        }
        producer.flush();
        reader("chaos-silent-gateway", List.of(topics.downstreamTopic(gatewayId)), this::onDownstream);
        reader("chaos-silent-tasks", List.of(topics.name(TopicKind.TASK)), this::onTask);
        long interval = Math.max(1, 1_000_000 / Math.max(1, rate));
        sending = timers.scheduleAtFixedRate(this::send, sendAfter.toMillis() * 1000, interval,
                TimeUnit.MICROSECONDS);
        timers.schedule(() -> sending.cancel(false), sendAfter.plus(sendFor).toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void heartbeat() {
        try {
            long now = System.currentTimeMillis();
            producer.send(new ProducerRecord<>(topics.name(TopicKind.GATEWAY), gatewayId, WireJson.toBytes(
                    new GatewayHeartbeat(gatewayId, GatewayHeartbeat.Status.UP, now))));
            producer.flush();
            lastHeartbeat.set(now);
        } catch (RuntimeException e) {
            // a periodic task that throws is never run again: report and keep beating
            System.err.println("silent gateway: heartbeat failed: " + e);
        }
    }

    /** The gateway dies: no more heartbeats, nothing said. Returns when its last heartbeat was sent (epoch ms). */
    public long silence() {
        heartbeats.cancel(false);
        synchronized (this) {
            silentAt.set(lastHeartbeat.get());
            return silentAt.get();
        }
    }

    private void send() {
        try {
            long now = System.currentTimeMillis();
            String from = senders.get(random.nextInt(senders.size()));
            String to = users.get(random.nextInt(users.size()));
            String id = "m-" + runId + "-" + (++sequence);
            String conversation = "dm-" + (from.compareTo(to) < 0 ? from + "-" + to : to + "-" + from);
            UpstreamMessage m = new UpstreamMessage(id, from, to, conversation, "silent-gateway test", "text", Map.of(),
                    senderGateway, from + "-d1", now, UpstreamMessage.CURRENT_VERSION, null, null);
            checker.expectAccepted(m);
            DeviceAt device = new DeviceAt(gatewayId, deviceOf(to));
            long silent = silentAt.get();
            DeliveryChecker.Expected expected;
            if (silent == 0) {
                expected = new DeliveryChecker.Deliver(Set.of(device));
            } else if (now < silent + timeout.toMillis() + SWITCH_SLACK.toMillis()) {
                expected = new DeliveryChecker.EitherWay(Set.of(), Set.of(device));
            } else {
                expected = new DeliveryChecker.Push();
            }
            checker.expect(id, to, expected);
            producer.send(new ProducerRecord<>(topics.name(TopicKind.UPSTREAM), from, WireJson.toBytes(m)));
        } catch (RuntimeException e) {
            System.err.println("silent gateway: sending failed: " + e);
        }
    }

    private void onDownstream(ConsumerRecord<String, byte[]> r) {
        DownstreamMessage m = WireJson.fromBytes(r.value(), DownstreamMessage.class);
        if (silentAt.get() == 0) {
            checker.onDownstream(gatewayId, r.key(), m, System.currentTimeMillis());
        } else {
            checker.onDownstreamAfterDeath(gatewayId, r.key(), m);
            lastDeliveredSentAt.accumulateAndGet(m.timestamp(), Math::max);
        }
    }

    private void onTask(ConsumerRecord<String, byte[]> r) {
        Task task = WireJson.fromBytes(r.value(), Task.class);
        switch (task.taskType()) {
            case PERSIST_MESSAGE -> checker.onPersistTask(Tasks.persistPayload(task));
            case OFFLINE_PUSH -> {
                OfflinePushPayload push = Tasks.offlinePushPayload(task);
                checker.onPushTask(push);
                if (push.userIds().stream().anyMatch(userSet::contains)) {
                    firstPushAt.compareAndSet(0, System.currentTimeMillis());
                }
            }
            default -> { }
        }
    }

    /** A plain read_committed consumer on every partition of {@code topics}, from the beginning. */
    private void reader(String name, List<String> topicNames, java.util.function.Consumer<ConsumerRecord<String,
            byte[]>> handler) {
        Thread t = new Thread(() -> {
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                    new StringDeserializer(), new ByteArrayDeserializer())) {
                Set<TopicPartition> assigned = new HashSet<>();
                while (running.get() && assigned.isEmpty()) {
                    for (String topic : topicNames) {
                        try {
                            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
                            if (infos != null) {
                                infos.forEach(i -> assigned.add(new TopicPartition(topic, i.partition())));
                            }
                        } catch (org.apache.kafka.common.errors.TimeoutException notYet) {
                            // the dispatcher creates the gateway's topic on its first heartbeat
                        }
                    }
                    if (assigned.isEmpty()) {
                        Thread.sleep(500);
                    }
                }
                consumer.assign(assigned);
                consumer.seekToBeginning(assigned);
                while (running.get()) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
                        try {
                            handler.accept(r);
                        } catch (RuntimeException e) {
                            // not a record of ours (the task topic is shared), or undecodable: the checker judges
                            // ours by what is missing
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                if (running.get()) {
                    System.err.println("silent gateway: " + name + " stopped: " + e);
                }
            }
        }, name);
        t.setDaemon(true);
        t.start();
        readers.add(t);
    }

    /** When the first offline push for one of this gateway's users was read (epoch ms; 0: none yet). */
    public long firstPushAt() {
        return firstPushAt.get();
    }

    /** The client timestamp of the latest message still written to the gateway's topic after the silence. */
    public long lastDeliveredSentAt() {
        return lastDeliveredSentAt.get();
    }

    public long messagesSent() {
        return checker.progress().sent();
    }

    /** Waits (at most {@code atMost}) until the checker has everything it expects, then a little more. */
    public DeliveryChecker.Summary finish(Duration atMost) throws InterruptedException {
        long deadline = System.currentTimeMillis() + atMost.toMillis();
        if (sending == null) {
            return checker.summary(); // never started
        }
        while (!sending.isDone() && System.currentTimeMillis() < deadline) {
            Thread.sleep(250);
        }
        producer.flush();
        while (!checker.complete() && System.currentTimeMillis() < deadline) {
            Thread.sleep(250);
        }
        Thread.sleep(2_000);
        return checker.summary();
    }

    @Override
    public void close() {
        running.set(false);
        timers.shutdownNow();
        try {
            for (Thread t : readers) {
                t.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
