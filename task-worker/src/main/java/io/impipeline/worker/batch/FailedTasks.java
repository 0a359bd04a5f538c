package io.impipeline.worker.batch;

import java.util.ArrayList;
import java.util.List;

import io.impipeline.model.codec.Rejection;

/**
 * What went wrong with single tasks of a batch, collected by the steps and settled by the orchestrator
 * ({@code task.TaskBatchProcessor}) on the listener thread, inside the batch's Kafka transaction.
 */
public final class FailedTasks {

    /** A failure worth another attempt. */
    public record Retry(TaskRecord task, Exception cause) {
    }

    /** A permanent refusal: dead-lettered at once. */
    public record Reject(TaskRecord task, Rejection rejection) {
    }

    private final List<Retry> retries = new ArrayList<>();
    private final List<Reject> rejects = new ArrayList<>();

    public synchronized void retry(TaskRecord task, Exception cause) {
        retries.add(new Retry(task, cause));
    }

    public synchronized void reject(TaskRecord task, Rejection rejection) {
        rejects.add(new Reject(task, rejection));
    }

    public synchronized List<Retry> retries() {
        return List.copyOf(retries);
    }

    public synchronized List<Reject> rejects() {
        return List.copyOf(rejects);
    }
}
