package io.impipeline.worker.push;

/**
 * Sends offline push notifications. Implementations must not throw for a failed delivery: they answer
 * {@link PushResult}. Selected with {@code im.worker.push.provider} ({@code log} or {@code webhook}).
 */
public interface PushProvider {

    /** Stored in {@code push_notifications.provider}. */
    String name();

    PushResult send(PushNotification notification);
}
