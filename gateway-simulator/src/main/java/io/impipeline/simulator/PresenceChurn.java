package io.impipeline.simulator;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.wire.GatewayHeartbeat;
import io.impipeline.model.wire.PresenceEvent;
import io.impipeline.simulator.Population.Device;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Presence and heartbeats as gateways publish them: every device online at the start, a heartbeat per gateway every
 * few seconds, churning users' devices on the churn gateway going offline and online, and the churn gateway's life:
 * up, draining from half time, down from three quarters of the sending time.
 */
final class PresenceChurn {

    static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(2);
    static final Duration CHURN_EVERY = Duration.ofSeconds(3);

    private final ImTopicsProperties topics;
    private final Population population;
    private final KafkaProducer<String, byte[]> producer;
    private final Random random;
    private final Map<String, Boolean> churnOnline = new HashMap<>();
    private volatile GatewayHeartbeat.Status churnGatewayStatus = GatewayHeartbeat.Status.UP;

    PresenceChurn(ImTopicsProperties topics, Population population, KafkaProducer<String, byte[]> producer, long seed) {
        this.topics = topics;
        this.population = population;
        this.producer = producer;
        this.random = new Random(seed);
    }

    /** Every device of every user with devices goes online (churning users too: they start online). */
    synchronized void publishInitial() {
        long now = System.currentTimeMillis();
        for (String user : population.stableUsers()) {
            for (Device d : population.devices(user)) {
                presence(user, d, PresenceEvent.Status.ONLINE, now);
            }
        }
        for (String user : population.churnUsers()) {
            churnOnline.put(user, true);
            for (Device d : population.devices(user)) {
                presence(user, d, PresenceEvent.Status.ONLINE, now);
            }
        }
        producer.flush();
    }

    /** Starts heartbeats and, with churning users, their churn and the churn gateway's life. */
    void schedule(ScheduledExecutorService timers) {
        timers.scheduleAtFixedRate(this::heartbeat, 0, HEARTBEAT_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        if (!population.churnUsers().isEmpty()) {
            timers.scheduleAtFixedRate(this::churn, CHURN_EVERY.toMillis(), CHURN_EVERY.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /** From now: the churn gateway drains at half of {@code sending} and dies at three quarters. */
    void scheduleChurnGatewayLife(ScheduledExecutorService timers, Duration sending) {
        if (population.churnGateway() == null) {
            return;
        }
        timers.schedule(() -> changeChurnGateway(GatewayHeartbeat.Status.DRAINING), sending.toMillis() / 2,
                TimeUnit.MILLISECONDS);
        timers.schedule(() -> changeChurnGateway(GatewayHeartbeat.Status.DOWN), sending.toMillis() * 3 / 4,
                TimeUnit.MILLISECONDS);
    }

    /** The churn gateway has said it is down: it reads nothing any more. */
    boolean churnGatewayDown() {
        return churnGatewayStatus == GatewayHeartbeat.Status.DOWN;
    }

    private void changeChurnGateway(GatewayHeartbeat.Status status) {
        churnGatewayStatus = status;
        heartbeat();
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

    /** Each churning user's churn-gateway device (her first) flips with probability 1/2, while the gateway lives. */
    private synchronized void churn() {
        if (churnGatewayDown()) {
            return; // a dead gateway publishes nothing
        }
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

    private void presence(String user, Device d, PresenceEvent.Status status, long now) {
        send(topics.name(TopicKind.PRESENCE), user,
                WireJson.toBytes(new PresenceEvent(user, d.deviceId(), d.gatewayId(), status, now)));
    }

    private void send(String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value));
    }
}
