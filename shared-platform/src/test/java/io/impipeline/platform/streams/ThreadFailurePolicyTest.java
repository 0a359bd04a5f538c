package io.impipeline.platform.streams;

import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import io.impipeline.testkit.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

class ThreadFailurePolicyTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T00:00:00Z"));
    private final ThreadFailurePolicy policy = new ThreadFailurePolicy(registry, 2, Duration.ofMinutes(10), clock);

    @Test
    void aTransientFailureReplacesTheThreadAndIsCounted() {
        assertThat(policy.handle(new StreamsException(new TimeoutException("broker away")))).isEqualTo(REPLACE_THREAD);
        assertThat(registry.counter("im_streams_thread_failures_total", "action", "replace_thread",
                "exception", "TimeoutException").count()).isEqualTo(1);
    }

    @Test
    void aTransactionThatWentBadInABrokerFailoverReplacesTheThread() {
        // As logged by the dispatcher when a broker was killed under load (chaos 3-node, 2026-11-28).
        StreamsException atCommit = new StreamsException("Error encountered trying to commit a transaction",
                new InvalidTxnStateException("The producer attempted a transactional operation in an invalid state."));

        assertThat(policy.handle(atCommit)).isEqualTo(REPLACE_THREAD);
        assertThat(policy.handle(new StreamsException(new OutOfOrderSequenceException("new leader")))).isEqualTo(
                REPLACE_THREAD);
        assertThat(registry.counter("im_streams_thread_failures_total", "action", "replace_thread",
                "exception", "InvalidTxnStateException").count()).isEqualTo(1);
    }

    @Test
    void aFailureThatIsNotTransientShutsTheClientDownSoThatLivenessFails() {
        // RecordTooLargeException is not retriable: a replaced thread would meet the same record again.
        assertThat(policy.handle(new StreamsException(new RecordTooLargeException("1 MiB")))).isEqualTo(SHUTDOWN_CLIENT);
        assertThat(policy.handle(new IllegalStateException("bug"))).isEqualTo(SHUTDOWN_CLIENT);
    }

    @Test
    void transientFailuresThatKeepComingShutTheClientDownAndTheWindowForgetsOldOnes() {
        assertThat(policy.handle(new TimeoutException("1"))).isEqualTo(REPLACE_THREAD);
        assertThat(policy.handle(new TimeoutException("2"))).isEqualTo(REPLACE_THREAD);
        assertThat(policy.handle(new TimeoutException("3"))).isEqualTo(SHUTDOWN_CLIENT);
        clock.advance(Duration.ofMinutes(11));
        assertThat(policy.handle(new TimeoutException("4"))).isEqualTo(REPLACE_THREAD);
    }
}
