package io.impipeline.worker.batch;

import java.util.LinkedHashMap;
import java.util.Map;

import io.impipeline.model.codec.ReasonCode;
import io.impipeline.platform.dlq.DeadLetterProcessor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import org.springframework.transaction.TransactionExecution;
import org.springframework.transaction.TransactionExecutionListener;

/**
 * The worker's meters: {@code im.worker.tasks{type,outcome}}, {@code im.worker.push.users{outcome}},
 * {@code im.worker.persist.batch} (timer), {@code im.worker.fanout.records}, {@code im.worker.group.updates{outcome}}
 * and {@code im.dead_letters.written{stage,reason}} (the name the Streams apps use).
 *
 * <p>Counted when the poll's Kafka transaction commits: while a listener thread is inside one (see
 * {@link #commitListener()}), counts are held and applied after the commit, or dropped when it rolls back, so a poll
 * that is rolled back and redelivered is counted once. Counts made on other threads (none: the push pool hands its
 * outcomes back to the listener thread) would be applied at once. The persist timer measures work done, at once.
 */
public final class WorkerMetrics {

    public static final String TASKS = "im.worker.tasks";
    public static final String PUSH_USERS = "im.worker.push.users";
    public static final String PERSIST_BATCH = "im.worker.persist.batch";
    public static final String FANOUT_RECORDS = "im.worker.fanout.records";
    public static final String GROUP_UPDATES = "im.worker.group.updates";
    public static final String STAGE = "task-worker";

    /** Values of the {@code outcome} tag of {@code im.worker.tasks}. */
    public enum Outcome {
        PERSISTED, DUPLICATE, SENT, REJECTED, FANNED_OUT, RETRIED, DEAD_LETTERED, INVALID;

        public String tag() {
            return name().toLowerCase();
        }
    }

    private record Key(String name, Tags tags) {
    }

    /** Counts of the current transaction on this thread. */
    private static final class Pending {
        final Map<Key, Long> counts = new LinkedHashMap<>();
    }

    private final MeterRegistry registry;
    private final Timer persistBatch;
    private final ThreadLocal<Pending> pending = new ThreadLocal<>();

    public MeterRegistry registry() {
        return registry;
    }

    public WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.persistBatch = Timer.builder(PERSIST_BATCH).description("one JDBC batch insert of persist_message tasks")
                .publishPercentileHistogram().register(registry);
        Counter.builder(FANOUT_RECORDS).description("routed records written by group fan-outs").register(registry);
    }

    /**
     * Registered with the listener containers' Kafka transaction manager: opens the thread's pending counts when a
     * transaction begins, applies them after it commits, drops them when the commit fails or it rolls back.
     */
    public TransactionExecutionListener commitListener() {
        return new TransactionExecutionListener() {
            @Override
            public void afterBegin(TransactionExecution transaction, Throwable beginFailure) {
                if (beginFailure == null && transaction.isNewTransaction()) {
                    pending.set(new Pending());
                }
            }

            @Override
            public void afterCommit(TransactionExecution transaction, Throwable commitFailure) {
                Pending done = pending.get();
                pending.remove();
                if (commitFailure == null && done != null) {
                    done.counts.forEach((key, amount) -> apply(key, amount));
                }
            }

            @Override
            public void afterRollback(TransactionExecution transaction, Throwable rollbackFailure) {
                pending.remove();
            }
        };
    }

    public void task(String type, Outcome outcome, long count) {
        count(TASKS, Tags.of("type", type, "outcome", outcome.tag()), count);
    }

    /** Users of offline_push batches by outcome: {@code sent}, {@code duplicate}, {@code rejected}, {@code failed}. */
    public void pushUsers(String outcome, long count) {
        count(PUSH_USERS, Tags.of("outcome", outcome), count);
    }

    public Timer persistBatch() {
        return persistBatch;
    }

    public void fanoutRecords(long count) {
        count(FANOUT_RECORDS, Tags.empty(), count);
    }

    /** Projection updates from {@code im-group-topic}: {@code applied}, {@code stale}, {@code deleted}, {@code invalid}. */
    public void groupUpdate(String outcome) {
        count(GROUP_UPDATES, Tags.of("outcome", outcome), 1);
    }

    public void deadLettered(String type, ReasonCode reason) {
        task(type, Outcome.DEAD_LETTERED, 1);
        deadLetter(reason);
    }

    /** A dead letter that is not a task (a group record of the projection). */
    public void deadLetter(ReasonCode reason) {
        count(DeadLetterProcessor.METRIC, Tags.of("stage", STAGE, "reason", reason.name()), 1);
    }

    private void count(String name, Tags tags, long amount) {
        if (amount <= 0) {
            return;
        }
        Key key = new Key(name, tags);
        Pending open = pending.get();
        if (open == null) {
            apply(key, amount);
        } else {
            open.counts.merge(key, amount, Long::sum);
        }
    }

    private void apply(Key key, long amount) {
        Counter.builder(key.name()).tags(key.tags()).register(registry).increment(amount);
    }
}
