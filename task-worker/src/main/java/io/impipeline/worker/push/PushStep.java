package io.impipeline.worker.push;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;

import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.Rejection;
import io.impipeline.model.wire.TaskType;
import io.impipeline.worker.batch.FailedTasks;
import io.impipeline.worker.batch.Outages;
import io.impipeline.worker.batch.TaskRecord;
import io.impipeline.worker.batch.WorkerMetrics;
import io.impipeline.worker.batch.WorkerMetrics.Outcome;

/**
 * {@code offline_push}: each task of the batch claims its (user, message) row in the ledger, is sent by the
 * provider unless already sent, and is marked with the outcome. The pushes of a batch run in parallel on a small
 * pool; failures are handed back to the listener thread, which alone writes to Kafka (the batch's transaction).
 */
public class PushStep {

    static final String TYPE = TaskType.OFFLINE_PUSH.wireName();
    private static final String SENT = "SENT";

    private final PushProvider provider;
    private final PushLedger ledger;
    private final WorkerMetrics metrics;
    private final ExecutorService pool;

    public PushStep(PushProvider provider, PushLedger ledger, WorkerMetrics metrics, ExecutorService pool) {
        this.provider = provider;
        this.ledger = ledger;
        this.metrics = metrics;
        this.pool = pool;
    }

    public void push(List<TaskRecord> tasks, FailedTasks failed) {
        List<CompletableFuture<Void>> pushes = new ArrayList<>(tasks.size());
        for (TaskRecord task : tasks) {
            pushes.add(CompletableFuture.runAsync(() -> pushOne(task, failed), pool));
        }
        try {
            CompletableFuture.allOf(pushes.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            // An outage (the ledger is unreachable): rethrown so that the whole batch is polled again later.
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private void pushOne(TaskRecord task, FailedTasks failed) {
        try {
            send(task, failed);
        } catch (RuntimeException e) {
            if (Outages.isOutage(e)) {
                throw e;
            }
            failed.retry(task, e);
        }
    }

    private void send(TaskRecord task, FailedTasks failed) {
        PushNotification notification = PushNotification.of(task.task().offlinePushPayload());
        if (SENT.equals(ledger.claim(notification, provider.name()))) {
            metrics.task(TYPE, Outcome.DUPLICATE, 1);
            return;
        }
        PushResult result = provider.send(notification);
        ledger.mark(notification, result);
        switch (result.status()) {
            case SENT -> metrics.task(TYPE, Outcome.SENT, 1);
            case REJECTED -> {
                metrics.task(TYPE, Outcome.REJECTED, 1);
                failed.reject(task, Rejection.of(ReasonCode.PUSH_REJECTED, result.detail()));
            }
            case FAILED -> failed.retry(task, new PushFailedException(result.detail()));
        }
    }

    /** A push that may succeed later (5xx, timeout). */
    public static class PushFailedException extends RuntimeException {
        public PushFailedException(String detail) {
            super(detail);
        }
    }
}
