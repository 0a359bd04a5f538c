package io.impipeline.dlq.replay;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.google.common.util.concurrent.RateLimiter;
import io.impipeline.dlq.store.ReplayJob.PartitionProgress;
import io.impipeline.dlq.store.ReplayJobRepository;
import io.impipeline.dlq.store.ReplayJobStatus;
import io.impipeline.model.ImHeaders;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * One topic replay: reads the planned offset windows and copies each record (key, value, headers, plus
 * {@code im_replay-count}) to the target topic, paced by a Guava {@link RateLimiter}. Progress is written every
 * progress interval, when a cancel from any instance is also noticed.
 */
final class TopicReplayRun implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(TopicReplayRun.class);

    private final UUID id;
    private final ReplayPlan plan;
    private final Consumer<byte[], byte[]> consumer;
    private final KafkaTemplate<byte[], byte[]> template;
    private final ReplayJobRepository jobs;
    private final Duration pollTimeout;
    private final Duration progressInterval;
    private final Clock clock;
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    private final AtomicLong copied = new AtomicLong();
    private final AtomicReference<Throwable> sendError = new AtomicReference<>();
    private volatile boolean cancelled;
    private volatile boolean shuttingDown;
    private long scanned;
    private long lastProgress;

    TopicReplayRun(UUID id, ReplayPlan plan, Consumer<byte[], byte[]> consumer, KafkaTemplate<byte[], byte[]> template,
                   ReplayJobRepository jobs, Duration pollTimeout, Duration progressInterval, Clock clock) {
        this.id = id;
        this.plan = plan;
        this.consumer = consumer;
        this.template = template;
        this.jobs = jobs;
        this.pollTimeout = pollTimeout;
        this.progressInterval = progressInterval;
        this.clock = clock;
        plan.windows().forEach((tp, w) -> positions.put(tp, w[0]));
    }

    void cancel() {
        cancelled = true;
    }

    /** Stops because the instance stops: the job is FAILED (it cannot resume), not CANCELLED by an operator. */
    void shutdown() {
        shuttingDown = true;
        cancelled = true;
    }

    @Override
    public void run() {
        ReplayJobStatus outcome = ReplayJobStatus.COMPLETED;
        String error = null;
        try (consumer) {
            copyAll();
            template.flush();
            if (sendError.get() != null) {
                throw sendError.get();
            }
            if (shuttingDown) {
                outcome = ReplayJobStatus.FAILED;
                error = "interrupted: the instance running it stopped";
            } else if (cancelled) {
                outcome = ReplayJobStatus.CANCELLED;
            }
        } catch (Throwable e) {
            outcome = ReplayJobStatus.FAILED;
            error = e.toString();
            log.error("topic replay failed id={} source_topic={} target_topic={}", id, plan.sourceTopic(),
                    plan.targetTopic(), e);
        }
        jobs.finish(id, outcome, progress(), scanned, copied.get(), error, clock.instant());
        log.info("topic replay finished id={} status={} scanned={} copied={}", id, outcome, scanned, copied.get());
    }

    private void copyAll() {
        RateLimiter limiter = RateLimiter.create(plan.ratePerSecond());
        Set<TopicPartition> open = new HashSet<>();
        plan.windows().forEach((tp, w) -> {
            if (w[0] < w[1]) {
                open.add(tp);
            }
        });
        consumer.assign(open);
        open.forEach(tp -> consumer.seek(tp, positions.get(tp)));
        while (!open.isEmpty() && !stopRequested()) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(pollTimeout)) {
                TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                if (!open.contains(tp) || record.offset() >= plan.windows().get(tp)[1]) {
                    continue;
                }
                if (stopRequested()) {
                    return;
                }
                scanned++;
                if (plan.inTimeRange(record.timestamp())) {
                    if (!awaitPermit(limiter)) {
                        return;
                    }
                    send(record);
                }
                positions.put(tp, record.offset() + 1);
            }
            closeFinished(open);
            reportProgress();
        }
    }

    /** Waits for the rate limiter in short steps, so that a cancel is noticed even at a very low rate. */
    private boolean awaitPermit(RateLimiter limiter) {
        while (!limiter.tryAcquire(pollTimeout)) {
            if (stopRequested()) {
                return false;
            }
        }
        return true;
    }

    /** A partition is done once the consumer's position passed its window (transaction markers count too). */
    private void closeFinished(Set<TopicPartition> open) {
        for (TopicPartition tp : Set.copyOf(open)) {
            long end = plan.windows().get(tp)[1];
            long position = consumer.position(tp);
            if (position >= end) {
                positions.put(tp, end);
                open.remove(tp);
            }
        }
        consumer.pause(Set.copyOf(consumer.assignment()).stream().filter(tp -> !open.contains(tp)).toList());
    }

    private void send(ConsumerRecord<byte[], byte[]> record) {
        RecordHeaders headers = new RecordHeaders();
        int replays = 0;
        for (Header h : record.headers()) {
            if (ImHeaders.REPLAY_COUNT.equals(h.key())) {
                replays = DeadLetterReplayer.parseCount(h.value() == null ? null
                        : new String(h.value(), StandardCharsets.UTF_8));
            } else {
                headers.add(h);
            }
        }
        headers.add(ImHeaders.REPLAY_COUNT, String.valueOf(replays + 1).getBytes(StandardCharsets.UTF_8));
        template.send(new ProducerRecord<>(plan.targetTopic(), null, record.key(), record.value(), headers))
                .whenComplete((result, e) -> {
                    if (e == null) {
                        copied.incrementAndGet();
                    } else {
                        sendError.compareAndSet(null, e);
                    }
                });
    }

    private boolean stopRequested() {
        if (sendError.get() != null) {
            return true;
        }
        if (!cancelled && clock.millis() - lastProgress >= progressInterval.toMillis()) {
            reportProgress();
        }
        return cancelled;
    }

    private void reportProgress() {
        long now = clock.millis();
        if (now - lastProgress < progressInterval.toMillis()) {
            return;
        }
        lastProgress = now;
        jobs.progress(id, progress(), scanned, copied.get(), clock.instant());
        if (jobs.cancelRequested(id)) {
            cancelled = true;
        }
    }

    Map<Integer, PartitionProgress> progress() {
        Map<Integer, PartitionProgress> out = new LinkedHashMap<>();
        plan.windows().forEach((tp, w) -> out.put(tp.partition(), new PartitionProgress(w[0], w[1], positions.get(tp))));
        return out;
    }
}
