package io.impipeline.dispatcher.gateway;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.impipeline.dispatcher.settings.DispatcherProperties;
import io.impipeline.platform.support.LogLimiter;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.platform.topics.TopicProvisioner;
import io.impipeline.model.wire.GatewayHeartbeat;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;

/**
 * Creates each gateway's downstream topic with the AdminClient, off the stream thread: a scanner thread looks at the
 * gateway table every {@code im.dispatcher.gateway-scan-interval} and creates the topic of every live gateway that
 * has none yet (so within about one interval of its first heartbeat), and checks which topics still exist. Creation
 * is idempotent ("already exists" counts as success). The stream thread only asks {@link #awaitReady}: a set lookup
 * when the topic exists; for the rare record that races a gateway's first heartbeat it waits for the creation in
 * flight, at most {@code im.dispatcher.topic-ready-timeout}. Nothing is ever written to a topic not known to exist,
 * since a producer writing to a missing topic would block the stream thread.
 * <p>
 * Counted in {@code im.dispatcher.gateway_topics{outcome}}: {@code created}, {@code existed} (someone else created it),
 * {@code failed} (creation failed: retried after {@code topic-retry-backoff}, logged each time), {@code scan_skipped}
 * (the gateway table not queryable: before the streams run), {@code scan_failed} (anything else: logged, rate
 * limited; the next scan tries again).
 */
public final class GatewayTopicProvisioner implements GatewayTopics, SmartLifecycle, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(GatewayTopicProvisioner.class);
    public static final String METRIC = "im.dispatcher.gateway_topics";

    private final Admin admin;
    private final ImTopicsProperties topics;
    private final TopicProvisioner provisioner;
    private final DispatcherProperties properties;
    private final Clock clock;
    private final Supplier<List<GatewayHeartbeat>> gatewayTable;
    private final Set<String> ready = ConcurrentHashMap.newKeySet();
    private final Map<String, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Long> failedAt = new ConcurrentHashMap<>();
    private final AtomicInteger attempts = new AtomicInteger();
    private final MeterRegistry meters;
    private final LogLimiter scanFailures = new LogLimiter(Duration.ofMinutes(1));
    private volatile ScheduledExecutorService scanner;

    /**
     * @param gatewayTable the current heartbeats (the global store); may throw while the store is not queryable
     */
    public GatewayTopicProvisioner(Admin admin, ImTopicsProperties topics, DispatcherProperties properties,
                                   Clock clock, Supplier<List<GatewayHeartbeat>> gatewayTable, MeterRegistry meters) {
        this.admin = admin;
        this.meters = meters;
        this.topics = topics;
        this.provisioner = new TopicProvisioner(topics);
        this.properties = properties;
        this.clock = clock;
        this.gatewayTable = gatewayTable;
    }

    @Override
    public boolean isReady(String gatewayId) {
        return ready.contains(gatewayId);
    }

    @Override
    public boolean awaitReady(String gatewayId) {
        if (ready.contains(gatewayId)) {
            return true;
        }
        Long failed = failedAt.get(gatewayId);
        if (failed != null && clock.millis() - failed < properties.topicRetryBackoff().toMillis()) {
            return false;
        }
        try {
            ensure(gatewayId).get(properties.topicReadyTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Starts creating the topic of {@code gatewayId} unless it exists or is being created; never blocks. */
    public CompletableFuture<Void> ensure(String gatewayId) {
        if (ready.contains(gatewayId)) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> creation = new CompletableFuture<>();
        CompletableFuture<Void> running = inFlight.putIfAbsent(gatewayId, creation);
        if (running != null) {
            return running;
        }
        String topic = topics.downstreamTopic(gatewayId);
        attempts.incrementAndGet();
        try {
            admin.createTopics(List.of(provisioner.newTopic(topics.downstreamSpec(gatewayId)))).all()
                    .whenComplete((ok, error) -> created(gatewayId, topic, error, creation));
        } catch (RuntimeException e) {
            created(gatewayId, topic, e, creation);
        }
        return creation;
    }

    private void created(String gatewayId, String topic, Throwable error, CompletableFuture<Void> creation) {
        Throwable cause = error instanceof ExecutionException && error.getCause() != null ? error.getCause() : error;
        inFlight.remove(gatewayId, creation);
        if (cause == null || cause instanceof TopicExistsException) {
            count(cause == null ? "created" : "existed");
            ready.add(gatewayId);
            failedAt.remove(gatewayId);
            log.info("gateway topic ready gateway={} topic={} created={}", gatewayId, topic, cause == null);
            creation.complete(null);
        } else {
            failedAt.put(gatewayId, clock.millis());
            count("failed");
            log.warn("cannot create gateway topic gateway={} topic={}: {}", gatewayId, topic, cause.toString());
            creation.completeExceptionally(cause);
        }
    }

    /** One scan: forget topics that were deleted, create those of live gateways that have none. */
    void scan() {
        try {
            Set<String> existing = admin.listTopics().names().get(properties.topicReadyTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
            ready.removeIf(gatewayId -> !existing.contains(topics.downstreamTopic(gatewayId)));
            long now = clock.millis();
            long timeout = properties.gatewayTimeout().toMillis();
            for (GatewayHeartbeat heartbeat : gatewayTable.get()) {
                String gatewayId = heartbeat.gatewayId();
                if (existing.contains(topics.downstreamTopic(gatewayId))) {
                    ready.add(gatewayId);
                } else if (heartbeat.isLive(now, timeout) && !isBackingOff(gatewayId, now)) {
                    ensure(gatewayId);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (InvalidStateStoreException | IllegalStateException e) {
            // The store is not queryable before the streams run (or while they stop): try again next time.
            count("scan_skipped");
            log.debug("gateway topic scan skipped: {}", e.toString());
        } catch (Exception e) {
            // The broker may be away, or anything else: try again next time, but say so.
            count("scan_failed");
            long suppressed = scanFailures.permit(e.getClass().getName());
            if (suppressed >= 0) {
                log.warn("gateway topic scan failed, retried every {}: {} ({} similar lines suppressed)",
                        properties.gatewayScanInterval(), e.toString(), suppressed);
            }
        }
    }

    private void count(String outcome) {
        Counter.builder(METRIC).tag("outcome", outcome).description("gateway topic creations and scans")
                .register(meters).increment();
    }

    private boolean isBackingOff(String gatewayId, long now) {
        Long failed = failedAt.get(gatewayId);
        return failed != null && now - failed < properties.topicRetryBackoff().toMillis();
    }

    /** How many creations were started (for tests and diagnostics). */
    int attempts() {
        return attempts.get();
    }

    @Override
    public void start() {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "gateway-topic-scanner");
            thread.setDaemon(true);
            return thread;
        });
        long every = properties.gatewayScanInterval().toMillis();
        executor.scheduleWithFixedDelay(this::scan, 0, every, TimeUnit.MILLISECONDS);
        scanner = executor;
    }

    @Override
    public void stop() {
        ScheduledExecutorService executor = scanner;
        scanner = null;
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    /** After every lifecycle has stopped: the stream threads may ask for a topic until they are gone. */
    @Override
    public void destroy() {
        admin.close();
    }

    @Override
    public boolean isRunning() {
        return scanner != null;
    }
}
