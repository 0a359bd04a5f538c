package io.impipeline.simulator;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.wire.GroupMembership;
import io.impipeline.model.wire.UpstreamMessage;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One run of simulated gateways against a cluster, in this order: groups ({@code im-group-topic}), heartbeats and
 * presence ({@link PresenceChurn}), the gateways' consumers ({@link GatewayConsumers}) and the task observer
 * ({@link TaskObserver}), a settle time, the traffic ({@link Traffic}, with {@link Expectations} registered per
 * message), a wait for everything expected (bounded by the drain timeout), the dead gateway's topic read to its
 * end, the history check ({@link HistoryCheck}, when a worker URL is given), then the {@link DeliveryChecker}'s
 * verdict.
 */
public final class Simulation {

    /** Header on every bad record the simulator sends, so that its dead letters can be matched. */
    public static final String SIM_ID_HEADER = "im-sim-id";

    private static final Duration WAIT_STEP = Duration.ofMillis(250);
    /** After everything expected arrived: a little longer, since duplicates would arrive after the originals. */
    private static final Duration GRACE = Duration.ofSeconds(2);

    private final SimulationSettings settings;
    private final ImTopicsProperties topics;
    private final Population population;
    private final DeliveryChecker checker = new DeliveryChecker();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private volatile Traffic traffic;

    public Simulation(SimulationSettings settings) {
        this.settings = settings;
        this.topics = new ImTopicsProperties(settings.topicPrefix(), "lz4", 2, null, null, null, null, null, null);
        this.population = new Population(settings, UUID.randomUUID().toString().substring(0, 6));
    }

    public DeliveryChecker checker() {
        return checker;
    }

    public Population population() {
        return population;
    }

    /** Every accepted message sent so far (duplicates and bad records not included). */
    public List<UpstreamMessage> sentMessages() {
        Traffic t = traffic;
        return t == null ? List.of() : t.sent();
    }

    /** Something to do when the deliveries are in and before the rows are read. */
    @FunctionalInterface
    public interface AfterDeliveries {
        void run() throws InterruptedException;
    }

    /** Runs to the end and returns the summary; {@code progress} is called every {@code every}. */
    public DeliveryChecker.Summary run(Consumer<DeliveryChecker.Progress> progress, Duration every)
            throws InterruptedException {
        return run(progress, every, () -> { });
    }

    /**
     * As {@link #run(Consumer, Duration)}, calling {@code afterDeliveries} once every expected delivery has arrived
     * (or the drain timeout is over) and before the history API is read: a benchmark ends its measuring window
     * there, since reading every conversation back is the checker's work, not the pipeline's.
     */
    public DeliveryChecker.Summary run(Consumer<DeliveryChecker.Progress> progress, Duration every,
                                       AfterDeliveries afterDeliveries) throws InterruptedException {
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
        ExecutorService threads = Executors.newCachedThreadPool();
        KafkaClients clients = new KafkaClients(settings.bootstrapServers());
        KafkaProducer<String, byte[]> producer = clients.producer();
        PresenceChurn presence = new PresenceChurn(topics, population, producer, settings.seed() + 2);
        GatewayConsumers gateways = new GatewayConsumers(clients, topics, population, checker, running::get,
                presence::churnGatewayDown);
        try {
            traffic = new Traffic(settings, topics, population, producer, checker,
                    new Expectations(population, checker, settings.senderSync()));
            publishGroups(producer);
            presence.schedule(timers);
            presence.publishInitial();
            gateways.start(threads);
            TaskObserver observer = new TaskObserver(clients, topics, checker, running::get);
            threads.submit(observer::run);
            timers.scheduleAtFixedRate(() -> progress.accept(checker.progress()), every.toMillis(), every.toMillis(),
                    TimeUnit.MILLISECONDS);
            Thread.sleep(settings.settle().toMillis());

            presence.scheduleChurnGatewayLife(timers, settings.duration());
            traffic.run(running::get);

            awaitDeliveries(gateways);
            afterDeliveries.run();
            if (settings.checksHistory()) {
                new HistoryCheck(settings.workerUrl(), settings.serviceToken(), checker).await(settings.persistGrace());
            }
            return checker.summary();
        } finally {
            running.set(false);
            timers.shutdownNow();
            threads.shutdown();
            threads.awaitTermination(10, TimeUnit.SECONDS);
            gateways.close();
            producer.close(Duration.ofSeconds(5));
        }
    }

    private void publishGroups(KafkaProducer<String, byte[]> producer) {
        long now = System.currentTimeMillis();
        population.groups().forEach((id, members) -> producer.send(new ProducerRecord<>(topics.name(TopicKind.GROUP),
                id, WireJson.toBytes(new GroupMembership(id, members, 1, now)))));
        producer.flush();
    }

    /** Until everything expected has arrived or the drain timeout is over; then the dead gateway's topic to its end. */
    private void awaitDeliveries(GatewayConsumers gateways) throws InterruptedException {
        long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
        while (!checker.complete() && System.nanoTime() < deadline) {
            gateways.readDeadGatewayTopic();
            Thread.sleep(WAIT_STEP.toMillis());
        }
        Thread.sleep(GRACE.toMillis());
        gateways.readDeadGatewayTopic();
    }
}
