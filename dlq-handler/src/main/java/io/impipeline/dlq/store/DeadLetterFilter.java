package io.impipeline.dlq.store;

import java.time.Instant;

/**
 * What an operator selects dead letters by; null fields select everything. {@code from} inclusive, {@code to}
 * exclusive, on {@code failed_at}.
 */
public record DeadLetterFilter(String originalTopic, String stage, String reason, DeadLetterStatus status,
                               Instant from, Instant to) {

    public DeadLetterFilter withStatus(DeadLetterStatus s) {
        return new DeadLetterFilter(originalTopic, stage, reason, s, from, to);
    }
}
