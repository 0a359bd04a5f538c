package io.impipeline.worker.push;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.stream.Collectors;

import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.Rejection;
import io.impipeline.model.codec.Tasks;
import io.impipeline.model.wire.OfflinePushPayload;
import io.impipeline.model.wire.TaskType;
import io.impipeline.worker.batch.DataErrors;
import io.impipeline.worker.batch.FailedTasks;
import io.impipeline.worker.batch.Outages;
import io.impipeline.worker.batch.TaskRecord;
import io.impipeline.worker.batch.WorkerMetrics;
import io.impipeline.worker.batch.WorkerMetrics.Outcome;

/**
 * {@code offline_push} (contract v2: a batch of {@code user_ids} per task): each task claims its users' rows in the
 * ledger, the provider gets one call with the users not pushed yet, and their rows are marked with the outcome. A
 * user already {@code SENT} is never sent again, so a redelivered or retried batch pushes nobody twice and a batch
 * that failed for some users retries only those. The task's outcome: every user sent (now or before) -> sent; some
 * users failed for now (5xx, timeout) -> retried; else some refused for good (4xx) -> dead-lettered
 * {@code PUSH_REJECTED}.
 *
 * <p>The tasks of a poll run on a small pool, those of one message one after the other (two batches of one message
 * that share users then never send them both). Failures and counts are handed back to the listener thread, which
 * alone writes to Kafka (the poll's transaction) and counts (after the commit).
 *
 * <p>No trace event is written here: the users' rows in the ledger ({@code push_notifications}: {@code status},
 * {@code updated_at}, {@code last_error}) are the record of the push, and the dlq-handler's trace API derives the
 * {@code pushed} stage from them (see {@link io.impipeline.worker.batch.MessageTrace}).
 */
public class PushStep {

    static final String TYPE = TaskType.OFFLINE_PUSH.wireName();

    private final PushProvider provider;
    private final PushLedger ledger;
    private final WorkerMetrics metrics;
    private final ExecutorService pool;

    /** What one task came to, for the meters. */
    private record Done(Outcome outcome, int sent, int alreadySent, int rejected, int failed) {
        static final Done NONE = new Done(null, 0, 0, 0, 0);
    }

    public PushStep(PushProvider provider, PushLedger ledger, WorkerMetrics metrics, ExecutorService pool) {
        this.provider = provider;
        this.ledger = ledger;
        this.metrics = metrics;
        this.pool = pool;
    }

    public void push(List<TaskRecord> tasks, FailedTasks failed) {
        Map<String, List<TaskRecord>> byMessage = tasks.stream().collect(Collectors.groupingBy(
                PushStep::messageOf, LinkedHashMap::new, Collectors.toList()));
        List<CompletableFuture<List<Done>>> jobs = new ArrayList<>(byMessage.size());
        for (List<TaskRecord> sameMessage : byMessage.values()) {
            jobs.add(CompletableFuture.supplyAsync(
                    () -> sameMessage.stream().map(task -> pushOne(task, failed)).toList(), pool));
        }
        try {
            CompletableFuture.allOf(jobs.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            // An outage (the ledger is unreachable): rethrown so that the whole poll is polled again later.
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        jobs.forEach(job -> job.join().forEach(this::count));
    }

    private static String messageOf(TaskRecord task) {
        return task.task().payload().path("from_user_id").asString("") + "\n"
                + task.task().payload().path("message_id").asString("");
    }

    private Done pushOne(TaskRecord task, FailedTasks failed) {
        try {
            return send(task, failed);
        } catch (RuntimeException e) {
            if (Outages.isOutage(e)) {
                throw e;
            }
            if (DataErrors.isDataError(e)) {
                failed.reject(task, DataErrors.rejection("the push batch", e));
            } else {
                failed.retry(task, e);
            }
            return Done.NONE;
        }
    }

    private Done send(TaskRecord task, FailedTasks failed) {
        OfflinePushPayload payload = Tasks.offlinePushPayload(task.task());
        PushBatch batch = PushBatch.of(payload);
        Map<String, String> pending = ledger.claim(batch, provider.name());
        int alreadySent = batch.userIds().size() - pending.size();
        if (pending.isEmpty()) {
            return new Done(Outcome.DUPLICATE, 0, alreadySent, 0, 0);
        }
        PushBatch sending = batch.only(List.copyOf(pending.keySet()));
        PushOutcome outcome = provider.send(sending);
        // One update per distinct result (a provider answering per call: one update for the whole batch).
        Map<PushResult, List<String>> byResult = new LinkedHashMap<>();
        sending.userIds().forEach(u -> byResult.computeIfAbsent(outcome.of(u), r -> new ArrayList<>()).add(u));
        byResult.forEach((result, users) -> ledger.mark(sending, users, result));

        List<String> sent = outcome.users(sending, PushResult.Status.SENT);
        List<String> rejected = outcome.users(sending, PushResult.Status.REJECTED);
        List<String> failedNow = outcome.users(sending, PushResult.Status.FAILED);
        if (!failedNow.isEmpty()) {
            failed.retry(task, new PushFailedException(failedNow.size() + " of " + sending.userIds().size()
                    + " users failed: " + outcome.of(failedNow.get(0)).detail()));
            return new Done(null, sent.size(), alreadySent, rejected.size(), failedNow.size());
        }
        if (!rejected.isEmpty()) {
            failed.reject(task, Rejection.of(ReasonCode.PUSH_REJECTED, rejected.size() + " of "
                    + sending.userIds().size() + " users refused: " + outcome.of(rejected.get(0)).detail()));
            return new Done(Outcome.REJECTED, sent.size(), alreadySent, rejected.size(), 0);
        }
        return new Done(Outcome.SENT, sent.size(), alreadySent, 0, 0);
    }

    private void count(Done done) {
        if (done.outcome() != null) {
            metrics.task(TYPE, done.outcome(), 1);
        }
        metrics.pushUsers("sent", done.sent());
        metrics.pushUsers("duplicate", done.alreadySent());
        metrics.pushUsers("rejected", done.rejected());
        metrics.pushUsers("failed", done.failed());
    }

    /** A push that may succeed later (5xx, timeout). */
    public static class PushFailedException extends RuntimeException {
        public PushFailedException(String detail) {
            super(detail);
        }
    }
}
