package io.impipeline.worker.task;

/** A task failed on every attempt; dead-lettered with {@code RETRIES_EXHAUSTED}. */
public class RetriesExhaustedException extends RuntimeException {

    public RetriesExhaustedException(int attempts, Throwable lastFailure) {
        super(attempts + " attempts failed; last: " + lastFailure.getClass().getSimpleName() + ": "
                + lastFailure.getMessage(), lastFailure);
    }
}
