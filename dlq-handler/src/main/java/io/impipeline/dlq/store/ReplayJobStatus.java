package io.impipeline.dlq.store;

/** A topic replay runs until it has copied its range, is cancelled, or fails (also when its instance stopped). */
public enum ReplayJobStatus {
    RUNNING, COMPLETED, CANCELLED, FAILED;

    public boolean finished() {
        return this != RUNNING;
    }
}
