package io.impipeline.dispatcher.topology;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.impipeline.dispatcher.gateway.UnreadableHeartbeats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The dispatcher's meters: {@code im.dispatcher.deliveries{outcome,gateway}} counts records (downstream records
 * written, push tasks, routed records dropped or dead-lettered: the stage's throughput and error rate),
 * {@code im.dispatcher.recipients{outcome,gateway}} counts users (a user reached on a gateway, a user pushed: one
 * group record reaches many), {@code im.dispatcher.presence{outcome}} presence events, and the end-to-end latency
 * {@code im.e2e.latency} (client {@code timestamp} to the downstream write).
 */
public final class DispatchMetrics {

    public static final String DELIVERIES = "im.dispatcher.deliveries";
    public static final String RECIPIENTS = "im.dispatcher.recipients";
    public static final String PRESENCE = "im.dispatcher.presence";
    public static final String E2E_LATENCY = "im.e2e.latency";
    public static final String UNREADABLE_ROUTED_STAGE = "im.dispatcher.trace.unreadable.routed";

    /** The {@code gateway} tag of outcomes that concern no gateway. */
    public static final String NO_GATEWAY = "none";

    public enum Outcome {
        DELIVERED, OFFLINE, SYNC_DROPPED, GATEWAY_NOT_READY, DEAD_LETTERED;

        String tag() {
            return name().toLowerCase();
        }
    }

    private final MeterRegistry registry;
    private final Timer latency;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final UnreadableHeartbeats unreadableHeartbeats;

    public DispatchMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.unreadableHeartbeats = new UnreadableHeartbeats(registry);
        this.latency = Timer.builder(E2E_LATENCY)
                .description("client timestamp to the write of the downstream record")
                .publishPercentileHistogram()
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** What readers of the gateway table report unusable entries to (one per app: one log rate limit). */
    public UnreadableHeartbeats unreadableHeartbeats() {
        return unreadableHeartbeats;
    }

    /** A routed record whose {@code im_routed} header did not read: its routed stage is not traced. */
    public void unreadableRoutedStage() {
        counters.computeIfAbsent("unreadable-routed-stage", k -> Counter.builder(UNREADABLE_ROUTED_STAGE)
                .description("routed records whose carried routed trace stage did not read (not traced)")
                .register(registry)).increment();
    }

    /** One record of this outcome ({@code gatewayId} null: it concerns no gateway). */
    public void count(Outcome outcome, String gatewayId) {
        counter(DELIVERIES, outcome, gatewayId).increment();
    }

    /** One downstream record written to a gateway's topic, for {@code recipients} users. */
    public void delivered(String gatewayId, int recipients) {
        count(Outcome.DELIVERED, gatewayId);
        counter(RECIPIENTS, Outcome.DELIVERED, gatewayId).increment(recipients);
    }

    /**
     * A live gateway left out of one routed record because its topic was not ready: {@code users} users' devices
     * there got nothing (each was pushed unless reached on another gateway).
     */
    public void notReady(String gatewayId, int users) {
        count(Outcome.GATEWAY_NOT_READY, gatewayId);
        counter(RECIPIENTS, Outcome.GATEWAY_NOT_READY, gatewayId).increment(users);
    }

    /** One {@code offline_push} task, for {@code users} users. */
    public void pushed(int users) {
        count(Outcome.OFFLINE, null);
        counter(RECIPIENTS, Outcome.OFFLINE, null).increment(users);
    }

    private Counter counter(String name, Outcome outcome, String gatewayId) {
        String gateway = gatewayId == null ? NO_GATEWAY : gatewayId;
        return counters.computeIfAbsent(name + '|' + outcome.tag() + '|' + gateway, k -> Counter.builder(name)
                .tag("outcome", outcome.tag()).tag("gateway", gateway).register(registry));
    }

    public void presence(String outcome) {
        counters.computeIfAbsent("presence|" + outcome, k -> Counter.builder(PRESENCE)
                .tag("outcome", outcome).register(registry)).increment();
    }

    public void latency(long clientTimestamp, long nowMillis) {
        // A client clock ahead of ours would give a negative figure: count it as zero rather than drop it.
        latency.record(Duration.ofMillis(Math.max(0, nowMillis - clientTimestamp)));
    }
}
