package io.impipeline.platform.streams;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a Kafka Streams app does when a stream thread dies: a transient failure (Kafka's {@link RetriableException}
 * anywhere in the cause chain: a timeout, a lost leader, a broker going away; or a transaction that went bad in a
 * failover, {@link #isTransactionState}) replaces the thread, so the app goes
 * on; anything else, or transient failures that keep coming (more than {@code maxReplacements} in {@code window}),
 * shuts the client down, which makes the app not live ({@link StreamsLivenessIndicator}) so that the orchestrator
 * restarts it. Every death is logged and counted ({@code im_streams_thread_failures_total{action,exception}}).
 */
public final class ThreadFailurePolicy implements StreamsUncaughtExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ThreadFailurePolicy.class);

    private final MeterRegistry registry;
    private final int maxReplacements;
    private final Duration window;
    private final Clock clock;
    private final Deque<Long> replacements = new ArrayDeque<>();

    public ThreadFailurePolicy(MeterRegistry registry, int maxReplacements, Duration window, Clock clock) {
        this.registry = registry;
        this.maxReplacements = maxReplacements;
        this.window = window;
        this.clock = clock;
    }

    @Override
    public synchronized StreamThreadExceptionResponse handle(Throwable exception) {
        long now = clock.millis();
        while (!replacements.isEmpty() && replacements.peekFirst() < now - window.toMillis()) {
            replacements.removeFirst();
        }
        boolean transientFailure = isTransient(exception);
        StreamThreadExceptionResponse response = transientFailure && replacements.size() < maxReplacements
                ? StreamThreadExceptionResponse.REPLACE_THREAD
                : StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        if (response == StreamThreadExceptionResponse.REPLACE_THREAD) {
            replacements.addLast(now);
        }
        Throwable root = rootCause(exception);
        registry.counter("im_streams_thread_failures_total", "action", response.name().toLowerCase(),
                "exception", root.getClass().getSimpleName()).increment();
        log.error("stream thread died ({}): {}; {}", transientFailure ? "transient" : "not transient",
                root.getClass().getName(), response == StreamThreadExceptionResponse.REPLACE_THREAD
                        ? "replacing the thread" : "shutting the Kafka Streams client down (the app turns not live)",
                exception);
        return response;
    }

    static boolean isTransient(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause()) {
            if (t instanceof RetriableException || isTransactionState(t)) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /**
     * The producer's transaction went bad (the coordinator or a partition leader moved while it was open: seen after a
     * broker's {@code kill -9} as {@code InvalidTxnStateException} at commit, after {@code OUT_OF_ORDER_SEQUENCE_NUMBER}
     * from a new leader). The transaction is aborted, nothing of it is visible to read_committed readers, and a new
     * thread starts with a new producer from the last committed offsets: exactly-once holds, so replacing the thread is
     * safe, where shutting the client down stopped the app for good wherever nothing restarts it.
     */
    static boolean isTransactionState(Throwable t) {
        return t instanceof InvalidTxnStateException || t instanceof ProducerFencedException
                || t instanceof InvalidProducerEpochException || t instanceof OutOfOrderSequenceException
                || t instanceof TransactionAbortableException;
    }

    private static Throwable rootCause(Throwable exception) {
        Throwable t = exception;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
