package io.impipeline.dlq.store;

import java.time.Instant;

/**
 * What an operator selects dead letters by; null fields select everything, given ones are combined with AND.
 * {@code from} inclusive, {@code to} exclusive, on {@code failed_at}. {@code key}, {@code messageId},
 * {@code fromUserId} and {@code conversationId} match exactly; {@code exceptionContains} is a case-insensitive
 * substring of the exception message.
 */
public record DeadLetterFilter(String originalTopic, String stage, String reason, DeadLetterStatus status,
                               Instant from, Instant to, String key, String messageId, String fromUserId,
                               String conversationId, String exceptionContains) {

    public DeadLetterFilter(String originalTopic, String stage, String reason, DeadLetterStatus status, Instant from,
                            Instant to) {
        this(originalTopic, stage, reason, status, from, to, null, null, null, null, null);
    }

    /** Whether it selects everything. */
    public boolean isEmpty() {
        return equals(new DeadLetterFilter(null, null, null, null, null, null));
    }

    public DeadLetterFilter withStatus(DeadLetterStatus s) {
        return new DeadLetterFilter(originalTopic, stage, reason, s, from, to, key, messageId, fromUserId,
                conversationId, exceptionContains);
    }
}
