package io.impipeline.worker.push;

/** What a provider made of one notification. */
public record PushResult(Status status, String detail) {

    public enum Status {
        /** Delivered to the provider. */
        SENT,
        /** Refused for good (HTTP 4xx): dead-lettered with {@code PUSH_REJECTED}, not retried. */
        REJECTED,
        /** Failed for now (HTTP 5xx, 408, 429, timeout, connection refused): retried. */
        FAILED
    }

    public static PushResult sent() {
        return new PushResult(Status.SENT, null);
    }

    public static PushResult rejected(String detail) {
        return new PushResult(Status.REJECTED, detail);
    }

    public static PushResult failed(String detail) {
        return new PushResult(Status.FAILED, detail);
    }
}
