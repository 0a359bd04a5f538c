package io.impipeline.dlq.replay;

import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.impipeline.platform.web.Operator;
import io.impipeline.dlq.settings.DlqProperties;
import io.impipeline.dlq.store.AuditAction;
import io.impipeline.dlq.store.AuditRepository;
import io.impipeline.dlq.settings.RawConsumerSettings;
import io.impipeline.dlq.store.ReplayJob;
import io.impipeline.dlq.store.ReplayJobRepository;
import io.impipeline.dlq.store.ReplayJobStatus;
import io.impipeline.platform.web.ApiException;
import jakarta.annotation.PreDestroy;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.HttpStatus;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Topic replays ({@code /api/v1/replays}): validated and planned synchronously (so a bad request gets its 4xx at
 * once), then run on a small pool of this instance. Jobs live in {@code replay_jobs}, so progress and cancel work
 * from any instance.
 */
@Service
public class TopicReplayService {

    private static final Logger log = LoggerFactory.getLogger(TopicReplayService.class);
    private static final int SHUTDOWN_WAIT_SECONDS = 10;

    private final ReplayJobRepository jobs;
    private final AuditRepository audit;
    private final TransactionTemplate tx;
    private final KafkaTemplate<byte[], byte[]> template;
    private final RawConsumerSettings consumerSettings;
    private final DlqProperties.TopicReplay config;
    private final ReplayPlanner planner;
    private final Clock clock;
    private final String owner;
    private final ExecutorService pool;
    private final Map<UUID, TopicReplayRun> running = new ConcurrentHashMap<>();

    public TopicReplayService(ReplayJobRepository jobs, AuditRepository audit, TransactionTemplate tx,
                              KafkaTemplate<byte[], byte[]> replayTemplate,
                              RawConsumerSettings consumerSettings, DlqProperties dlq, ReplayTargets targets,
                              Clock clock, @Value("${im.instance-id:${HOSTNAME:local}}") String owner) {
        this.jobs = jobs;
        this.audit = audit;
        this.tx = tx;
        this.template = replayTemplate;
        this.consumerSettings = consumerSettings;
        this.config = dlq.topicReplay();
        this.planner = new ReplayPlanner(config, targets);
        this.clock = clock;
        this.owner = owner;
        this.pool = Executors.newFixedThreadPool(config.maxConcurrentJobs(), threads());
    }

    @EventListener(ApplicationReadyEvent.class)
    public void failOrphans() {
        int n = jobs.failOrphans(owner, clock.instant());
        if (n > 0) {
            log.warn("topic replays interrupted by the last stop marked FAILED count={} owner={}", n, owner);
        }
    }

    /** Plans and starts a job; the job row and its audit entry ({@code topic_replay_start}) are one transaction. */
    public synchronized ReplayJob start(ReplayRequest request, Operator operator) {
        if (running.size() >= config.maxConcurrentJobs()) {
            throw new ApiException(HttpStatus.TOO_MANY_REQUESTS, "TOO_MANY_REPLAYS",
                    running.size() + " topic replays are running on this instance; wait or cancel one");
        }
        Consumer<byte[], byte[]> consumer = newConsumer();
        ReplayPlan plan;
        try {
            plan = planner.plan(request, consumer);
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
        UUID id = UUID.randomUUID();
        TopicReplayRun run = new TopicReplayRun(id, plan, consumer, template, jobs, config.pollTimeout(),
                config.progressInterval(), clock);
        Long fromOffset = request.fromOffset();
        Long toOffset = request.toOffset();
        ReplayJob job = new ReplayJob(id, plan.sourceTopic(), plan.targetTopic(), fromOffset, toOffset,
                plan.fromTimestamp(), plan.toTimestamp(), plan.ratePerSecond(), ReplayJobStatus.RUNNING,
                run.progress(), plan.planned(), 0, 0, false, null, owner, clock.instant(), clock.instant(), null);
        try {
            tx.executeWithoutResult(status -> {
                jobs.insert(job);
                audit.record(job.createdAt(), operator.name(), AuditAction.TOPIC_REPLAY_START, id.toString(),
                        plan.planned(), startDetail(job));
            });
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
        running.put(id, run);
        pool.execute(() -> {
            try {
                run.run();
            } finally {
                running.remove(id);
            }
        });
        log.info("topic replay started id={} source_topic={} target_topic={} planned={} rate={}", id,
                plan.sourceTopic(), plan.targetTopic(), plan.planned(), plan.ratePerSecond());
        return job;
    }

    public Optional<ReplayJob> find(UUID id) {
        return jobs.find(id);
    }

    public List<ReplayJob> recent(int limit) {
        return jobs.recent(limit);
    }

    /**
     * Cancels a running job (here at once, on another instance at its next progress write); the cancel request and
     * its audit entry ({@code topic_replay_cancel}) are one transaction.
     */
    public ReplayJob cancel(UUID id, Operator operator) {
        ReplayJob job = jobs.find(id).orElseThrow(() -> ApiException.notFound("no topic replay " + id));
        if (job.status().finished()) {
            throw ApiException.conflict("REPLAY_FINISHED", "topic replay " + id + " is already " + job.status());
        }
        tx.executeWithoutResult(status -> {
            jobs.requestCancel(id);
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("source_topic", job.sourceTopic());
            detail.put("target_topic", job.targetTopic());
            detail.put("copied_before_cancel", job.copied());
            audit.record(clock.instant(), operator.name(), AuditAction.TOPIC_REPLAY_CANCEL, id.toString(), 1, detail);
        });
        TopicReplayRun run = running.get(id);
        if (run != null) {
            run.cancel();
        }
        log.info("topic replay cancel requested id={}", id);
        return jobs.find(id).orElseThrow();
    }

    private Consumer<byte[], byte[]> newConsumer() {
        Map<String, Object> props = new HashMap<>(consumerSettings.properties());
        // Assigned partitions, no group: a replay commits nothing and disturbs no consumer group.
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "dlq-handler-replay-" + UUID.randomUUID());
        return new KafkaConsumer<>(props);
    }

    @PreDestroy
    void stop() throws InterruptedException {
        running.values().forEach(TopicReplayRun::shutdown);
        pool.shutdown();
        pool.awaitTermination(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private static ThreadFactory threads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "topic-replay-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static Map<String, Object> startDetail(ReplayJob job) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("source_topic", job.sourceTopic());
        d.put("target_topic", job.targetTopic());
        d.put("from_offset", job.fromOffset());
        d.put("to_offset", job.toOffset());
        d.put("from_timestamp", job.fromTimestamp() == null ? null : job.fromTimestamp().toString());
        d.put("to_timestamp", job.toTimestamp() == null ? null : job.toTimestamp().toString());
        d.put("rate_per_second", job.ratePerSecond());
        d.put("partitions", job.partitions().keySet());
        d.values().removeIf(java.util.Objects::isNull);
        return d;
    }
}
