package io.impipeline.worker.batch;

import io.impipeline.worker.batch.WorkerMetrics.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.TransactionExecution;
import org.springframework.transaction.TransactionExecutionListener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/** Counts of a poll are applied when its Kafka transaction commits, and never when it rolls back. */
class WorkerMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final WorkerMetrics metrics = new WorkerMetrics(registry);
    private final TransactionExecutionListener listener = metrics.commitListener();
    private final TransactionExecution transaction = mock(TransactionExecution.class);

    WorkerMetricsTest() {
        when(transaction.isNewTransaction()).thenReturn(true);
    }

    @Test
    void countsOfACommittedPollAppearAfterTheCommit() {
        listener.afterBegin(transaction, null);
        metrics.task("persist_message", Outcome.PERSISTED, 200);
        metrics.fanoutRecords(7);
        assertThat(persisted()).isZero();
        listener.afterCommit(transaction, null);
        assertThat(persisted()).isEqualTo(200);
        assertThat(registry.get(WorkerMetrics.FANOUT_RECORDS).counter().count()).isEqualTo(7);
    }

    @Test
    void countsOfARolledBackOrFailedPollAreDropped() {
        listener.afterBegin(transaction, null);
        metrics.task("persist_message", Outcome.PERSISTED, 200);
        listener.afterRollback(transaction, null);
        listener.afterBegin(transaction, null);
        metrics.task("persist_message", Outcome.PERSISTED, 200);
        listener.afterCommit(transaction, new IllegalStateException("commit failed"));
        assertThat(persisted()).isZero();
        // Outside a transaction: at once.
        metrics.task("persist_message", Outcome.PERSISTED, 1);
        assertThat(persisted()).isEqualTo(1);
    }

    private double persisted() {
        Counter c = registry.find(WorkerMetrics.TASKS).tag("outcome", "persisted").counter();
        return c == null ? 0 : c.count();
    }
}
