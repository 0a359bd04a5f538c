package io.impipeline.worker.push;

/**
 * Sends offline push notifications, a batch of users per call. Implementations must not throw for a failed
 * delivery: they answer a {@link PushOutcome}, per user (a provider that answers per call gives every user the same
 * result). Selected with {@code im.worker.push.provider} ({@code log} or {@code webhook}).
 */
public interface PushProvider {

    /** Stored in {@code push_notifications.provider}. */
    String name();

    /** Sends one notification to every user of the batch (users already pushed are never in it). */
    PushOutcome send(PushBatch batch);
}
