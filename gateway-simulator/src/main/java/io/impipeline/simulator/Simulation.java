package io.impipeline.simulator;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.codec.WireSerde;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.GatewayHeartbeat;
import io.impipeline.model.wire.GroupMembership;
import io.impipeline.model.wire.PresenceEvent;
import io.impipeline.model.wire.Task;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.simulator.DeliveryChecker.DeliveryKey;
import io.impipeline.simulator.Population.Device;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of simulated gateways against a cluster: publishes groups, heartbeats and presence, sends traffic at a
 * fixed rate, consumes each gateway's downstream topic as that gateway's consumer group, observes tasks and dead
 * letters, and hands everything to the {@link DeliveryChecker}.
 */
public final class Simulation {

    /** Header on every record the simulator sends, so that its dead letters can be matched. */
    public static final String SIM_ID_HEADER = "im-sim-id";

    private static final Logger log = LoggerFactory.getLogger(Simulation.class);
    private static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(2);
    private static final Duration CHURN_EVERY = Duration.ofSeconds(3);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration GRACE = Duration.ofSeconds(2);
    private static final int MIN_SCHEDULE_AHEAD_MS = 3_000;
    private static final int SCHEDULE_SPREAD_MS = 5_000;

    private final SimulationSettings settings;
    private final ImTopicsProperties topics;
    private final Population population;
    private final DeliveryChecker checker = new DeliveryChecker();
    private final Random random;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<UpstreamMessage> sentMessages = new ArrayList<>();
    private final Map<String, Boolean> churnOnline = new HashMap<>();
    private volatile GatewayHeartbeat.Status churnGatewayStatus = GatewayHeartbeat.Status.UP;
    private KafkaProducer<String, byte[]> producer;
    private long sequence;

    public Simulation(SimulationSettings settings) {
        this.settings = settings;
        this.topics = new ImTopicsProperties(settings.topicPrefix(), "lz4", 2, null, null, null, null, null, null);
        this.population = new Population(settings, UUID.randomUUID().toString().substring(0, 6));
        this.random = new Random(settings.seed());
    }

    public DeliveryChecker checker() {
        return checker;
    }

    public Population population() {
        return population;
    }

    /** Every accepted message sent so far (duplicates and bad records not included). */
    public List<UpstreamMessage> sentMessages() {
        return List.copyOf(sentMessages);
    }

    /** Runs to the end and returns the summary; {@code progress} is called every {@code every}. */
    public DeliveryChecker.Summary run(Consumer<DeliveryChecker.Progress> progress, Duration every)
            throws InterruptedException {
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
        ExecutorService consumers = Executors.newCachedThreadPool();
        producer = producer();
        try {
            publishGroups();
            timers.scheduleAtFixedRate(this::heartbeat, 0, HEARTBEAT_EVERY.toMillis(), TimeUnit.MILLISECONDS);
            publishPresence();
            population.allGateways().forEach(gw -> consumers.submit(() -> gateway(gw)));
            consumers.submit(this::observe);
            timers.scheduleAtFixedRate(() -> progress.accept(checker.progress()), every.toMillis(), every.toMillis(),
                    TimeUnit.MILLISECONDS);
            if (!population.churnUsers().isEmpty()) {
                timers.scheduleAtFixedRate(this::churn, CHURN_EVERY.toMillis(), CHURN_EVERY.toMillis(),
                        TimeUnit.MILLISECONDS);
            }
            Thread.sleep(settings.settle().toMillis());
            sendTraffic();
            awaitDeliveries();
            return checker.summary();
        } finally {
            running.set(false);
            timers.shutdownNow();
            consumers.shutdown();
            consumers.awaitTermination(10, TimeUnit.SECONDS);
            producer.close(Duration.ofSeconds(5));
        }
    }

    // ---- setup ----------------------------------------------------------------------------------------------

    private void publishGroups() {
        long now = System.currentTimeMillis();
        population.groups().forEach((id, members) -> send(topics.name(TopicKind.GROUP), id,
                WireJson.toBytes(new GroupMembership(id, members, 1, now))));
        producer.flush();
    }

    private void publishPresence() {
        long now = System.currentTimeMillis();
        for (String user : population.stableUsers()) {
            for (Device d : population.devices(user)) {
                presence(user, d, PresenceEvent.Status.ONLINE, now);
            }
        }
        for (String user : population.churnUsers()) {
            churnOnline.put(user, true);
            presence(user, population.devices(user).get(0), PresenceEvent.Status.ONLINE, now);
        }
        producer.flush();
    }

    private void presence(String user, Device d, PresenceEvent.Status status, long now) {
        send(topics.name(TopicKind.PRESENCE), user,
                WireJson.toBytes(new PresenceEvent(user, d.deviceId(), d.gatewayId(), status, now)));
    }

    private void heartbeat() {
        long now = System.currentTimeMillis();
        for (String gw : population.gateways()) {
            send(topics.name(TopicKind.GATEWAY), gw, WireJson.toBytes(new GatewayHeartbeat(gw,
                    GatewayHeartbeat.Status.UP, now)));
        }
        String churn = population.churnGateway();
        if (churn != null) {
            send(topics.name(TopicKind.GATEWAY), churn, WireJson.toBytes(new GatewayHeartbeat(churn,
                    churnGatewayStatus, now)));
        }
    }

    /** Churn users come and go; their gateway drains at half time and dies at three quarters. */
    private synchronized void churn() {
        long now = System.currentTimeMillis();
        for (String user : population.churnUsers()) {
            if (random.nextBoolean()) {
                boolean online = !churnOnline.get(user);
                churnOnline.put(user, online);
                presence(user, population.devices(user).get(0),
                        online ? PresenceEvent.Status.ONLINE : PresenceEvent.Status.OFFLINE, now);
            }
        }
    }

    // ---- traffic --------------------------------------------------------------------------------------------

    private void sendTraffic() throws InterruptedException {
        long start = System.nanoTime();
        long end = start + settings.duration().toNanos();
        long interval = settings.rate() > 0 ? TimeUnit.SECONDS.toNanos(1) / settings.rate() : 0;
        long next = start;
        List<String> senders = population.stableUsers().stream().filter(population::isOnline).toList();
        while (System.nanoTime() < end && running.get()
                && (settings.messageLimit() == 0 || checker.progress().sent() < settings.messageLimit())) {
            if (interval > 0) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                next += interval;
            }
            long elapsed = System.nanoTime() - start;
            if (population.churnGateway() != null) {
                churnGatewayStatus = elapsed > settings.duration().toNanos() * 3 / 4 ? GatewayHeartbeat.Status.DOWN
                        : elapsed > settings.duration().toNanos() / 2 ? GatewayHeartbeat.Status.DRAINING
                        : GatewayHeartbeat.Status.UP;
            }
            double roll = random.nextDouble();
            if (roll < settings.badShare()) {
                sendBad();
            } else if (roll < settings.badShare() + settings.duplicateShare() && !sentMessages.isEmpty()) {
                UpstreamMessage again = sentMessages.get(random.nextInt(sentMessages.size()));
                send(topics.name(TopicKind.UPSTREAM), again.fromUserId(), WireJson.toBytes(again));
                checker.sentDuplicate();
            } else {
                sendMessage(senders.get(random.nextInt(senders.size())));
            }
        }
        producer.flush();
    }

    private void sendMessage(String sender) {
        long now = System.currentTimeMillis();
        String id = "m-" + population.runId() + "-" + (++sequence);
        Device device = population.devices(sender).get(random.nextInt(population.devices(sender).size()));
        Long deliverAt = random.nextDouble() < settings.scheduledShare()
                ? now + MIN_SCHEDULE_AHEAD_MS + random.nextInt(SCHEDULE_SPREAD_MS) : null;
        boolean group = !population.groups().isEmpty() && random.nextDouble() < settings.groupShare();
        UpstreamMessage m;
        if (group) {
            List<String> ids = new ArrayList<>(population.groups().keySet());
            String groupId = ids.get(random.nextInt(ids.size()));
            m = message(id, sender, null, "gc-" + groupId, groupId, device, now, deliverAt);
            for (String member : population.groups().get(groupId)) {
                if (!member.equals(sender)) {
                    expectFor(m, member, null);
                }
            }
        } else {
            String to = pickRecipient(sender);
            String conversation = "dm-" + (sender.compareTo(to) < 0 ? sender + "-" + to : to + "-" + sender);
            m = message(id, sender, to, conversation, null, device, now, deliverAt);
            expectFor(m, to, null);
            if (settings.senderSync()) {
                expectSync(m, sender, device.deviceId());
            }
        }
        checker.expectAccepted(id, deliverAt);
        sentMessages.add(m);
        send(topics.name(TopicKind.UPSTREAM), sender, WireJson.toBytes(m));
    }

    private String pickRecipient(String sender) {
        int stable = population.stableUsers().size();
        int total = stable + population.churnUsers().size();
        while (true) {
            int i = random.nextInt(total);
            String to = i < stable ? population.stableUsers().get(i) : population.churnUsers().get(i - stable);
            if (!to.equals(sender)) {
                return to;
            }
        }
    }

    private UpstreamMessage message(String id, String from, String to, String conversation, String groupId,
                                    Device device, long now, Long deliverAt) {
        String content = "x".repeat(Math.max(1, settings.messageBytes()));
        return new UpstreamMessage(id, from, to, conversation, content, "text", Map.of(), device.gatewayId(),
                device.deviceId(), now, UpstreamMessage.CURRENT_VERSION, groupId, deliverAt);
    }

    /** What a stable recipient must get: one record per gateway of its devices, or a push when offline. */
    private void expectFor(UpstreamMessage m, String recipient, String excludeDevice) {
        if (!population.isStable(recipient)) {
            return;
        }
        if (!population.isOnline(recipient)) {
            checker.expectPush(recipient, m.messageId());
            return;
        }
        population.devicesByGateway(recipient, excludeDevice).forEach((gw, devices) ->
                checker.expectDelivery(new DeliveryKey(m.messageId(), recipient, gw), devices));
    }

    private void expectSync(UpstreamMessage m, String sender, String sendingDevice) {
        Map<String, Set<String>> others = population.devicesByGateway(sender, sendingDevice);
        others.forEach((gw, devices) -> checker.expectDelivery(new DeliveryKey(m.messageId(), sender, gw), devices));
    }

    private void sendBad() {
        String simId = "bad-" + population.runId() + "-" + (++sequence);
        byte[] value = random.nextBoolean()
                ? "{\"message_id\": \"broken".getBytes(StandardCharsets.UTF_8)
                : ("{\"message_id\":\"" + simId + "\",\"version\":\"1.0\"}").getBytes(StandardCharsets.UTF_8);
        checker.sentBad(simId);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topics.name(TopicKind.UPSTREAM), simId, value);
        record.headers().add(SIM_ID_HEADER, simId.getBytes(StandardCharsets.UTF_8));
        producer.send(record);
    }

    private void send(String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value));
    }

    // ---- consumers ------------------------------------------------------------------------------------------

    /** One simulated gateway: reads its own downstream topic as {@code gateway-{id}-group}. */
    private void gateway(String gatewayId) {
        WireSerde<DownstreamMessage> serde = WireSerde.of(DownstreamMessage.class);
        try (KafkaConsumer<String, byte[]> consumer = consumer("gateway-" + gatewayId + "-group")) {
            consumer.subscribe(List.of(topics.downstreamTopic(gatewayId)));
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
                    DownstreamMessage m = serde.deserializer().deserialize(r.topic(), r.value());
                    checker.onDownstream(gatewayId, m, System.currentTimeMillis(),
                            population.isStable(m.toUserId()) && !gatewayId.equals(population.churnGateway()));
                }
            }
        } catch (RuntimeException e) {
            log.error("gateway {} consumer failed", gatewayId, e);
        }
    }

    /** Watches tasks and dead letters: persist tasks prove seq, offline_push tasks prove pushes. */
    private void observe() {
        WireSerde<Task> serde = WireSerde.of(Task.class);
        String dlq = topics.dlqTopic(TopicKind.UPSTREAM);
        try (KafkaConsumer<String, byte[]> consumer = consumer("im-sim-observer-" + UUID.randomUUID())) {
            consumer.subscribe(List.of(topics.name(TopicKind.TASK), dlq));
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
                    if (r.topic().equals(dlq)) {
                        Header h = r.headers().lastHeader(SIM_ID_HEADER);
                        checker.onDeadLetter(h == null ? null : new String(h.value(), StandardCharsets.UTF_8));
                        continue;
                    }
                    Task task = serde.deserializer().deserialize(r.topic(), r.value());
                    switch (task.taskType()) {
                        case PERSIST_MESSAGE -> checker.onPersistTask(task.persistPayload());
                        case OFFLINE_PUSH -> checker.onPushTask(task.offlinePushPayload());
                        case GROUP_FANOUT -> { }
                    }
                }
            }
        } catch (RuntimeException e) {
            log.error("observer consumer failed", e);
        }
    }

    private void awaitDeliveries() throws InterruptedException {
        long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
        while (!checker.complete() && System.nanoTime() < deadline) {
            Thread.sleep(POLL.toMillis());
        }
        // A little longer: duplicates arrive after the originals.
        Thread.sleep(GRACE.toMillis());
    }

    private KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), new ByteArraySerializer());
    }

    private KafkaConsumer<String, byte[]> consumer(String group) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.METADATA_MAX_AGE_CONFIG, 2_000),
                new StringDeserializer(), new ByteArrayDeserializer());
    }
}
