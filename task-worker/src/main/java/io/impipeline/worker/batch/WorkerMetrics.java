package io.impipeline.worker.batch;

import io.impipeline.model.codec.ReasonCode;
import io.impipeline.platform.dlq.DeadLetterProcessor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The worker's meters: {@code im.worker.tasks{type,outcome}}, {@code im.worker.persist.batch} (timer),
 * {@code im.worker.fanout.records} and {@code im.dead_letters.written{stage,reason}} (the name the Streams apps use).
 */
public final class WorkerMetrics {

    public static final String TASKS = "im.worker.tasks";
    public static final String PERSIST_BATCH = "im.worker.persist.batch";
    public static final String FANOUT_RECORDS = "im.worker.fanout.records";
    public static final String STAGE = "task-worker";

    /** Values of the {@code outcome} tag. */
    public enum Outcome {
        PERSISTED, DUPLICATE, SENT, REJECTED, FANNED_OUT, RETRIED, DEAD_LETTERED, INVALID;

        String tag() {
            return name().toLowerCase();
        }
    }

    private final MeterRegistry registry;
    private final Timer persistBatch;
    private final Counter fanoutRecords;

    public WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.persistBatch = Timer.builder(PERSIST_BATCH).description("one JDBC batch insert of persist_message tasks")
                .publishPercentileHistogram().register(registry);
        this.fanoutRecords = Counter.builder(FANOUT_RECORDS).description("routed records written by group fan-outs")
                .register(registry);
    }

    public void task(String type, Outcome outcome, long count) {
        if (count > 0) {
            Counter.builder(TASKS).tag("type", type).tag("outcome", outcome.tag()).register(registry).increment(count);
        }
    }

    public Timer persistBatch() {
        return persistBatch;
    }

    public void fanoutRecords(long count) {
        fanoutRecords.increment(count);
    }

    public void deadLettered(String type, ReasonCode reason) {
        task(type, Outcome.DEAD_LETTERED, 1);
        Counter.builder(DeadLetterProcessor.METRIC).tag("stage", STAGE).tag("reason", reason.name())
                .register(registry).increment();
    }
}
