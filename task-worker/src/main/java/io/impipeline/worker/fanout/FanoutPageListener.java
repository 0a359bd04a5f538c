package io.impipeline.worker.fanout;

/**
 * Told about each page of a fan-out. Optional bean; used for progress logs and, in tests, to make a fan-out fail or
 * crash half-way.
 */
@FunctionalInterface
public interface FanoutPageListener {

    /**
     * Before a page's records are built and sent. Throwing is a failure of this page: nothing of it is sent, the
     * task takes the retry path (and after the last attempt the DLQ) and resumes at this page.
     */
    default void beforePage(String groupId, String messageId, int page) {
    }

    /**
     * After a page's records and its continuation have been handed to the producer, inside the poll's Kafka
     * transaction. Throwing is a crash: the transaction is aborted, nothing of this page becomes visible, and the
     * poll is redelivered (the pages committed before stay, once).
     */
    void afterPage(String groupId, String messageId, int page, long recordsSoFar);
}
