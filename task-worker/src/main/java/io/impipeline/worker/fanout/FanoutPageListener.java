package io.impipeline.worker.fanout;

/**
 * Told after each page of a fan-out has been handed to the producer (inside the batch's Kafka transaction).
 * Throwing aborts the transaction: nothing of the fan-out becomes visible and the task is polled again.
 * Optional bean; used for progress logs and, in tests, to crash a fan-out half-way.
 */
@FunctionalInterface
public interface FanoutPageListener {

    void afterPage(String groupId, String messageId, int page, long recordsSoFar);
}
