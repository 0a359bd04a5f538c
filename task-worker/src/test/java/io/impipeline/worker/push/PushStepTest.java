package io.impipeline.worker.push;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.wire.Task;
import io.impipeline.worker.TaskFixtures;
import io.impipeline.worker.batch.FailedTasks;
import io.impipeline.worker.batch.TaskRecord;
import io.impipeline.worker.batch.WorkerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/**
 * One poll of push batches, with the ledger and the provider stubbed: what is sent, what is marked, what is counted
 * and what fails. The step writes nothing to Kafka (it has no trace: the ledger's rows are the record of a push).
 */
class PushStepTest {

    private final PushLedger ledger = mock(PushLedger.class);
    private final PushProvider provider = mock(PushProvider.class);
    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    @Test
    void twoPushBatchesOfOneMessageInOnePollAreSentOneAfterTheOtherAndCountedPerUser() {
        everyUserPending();
        when(provider.name()).thenReturn("webhook");
        when(provider.send(any())).thenAnswer(call -> PushOutcome.all(call.getArgument(0), PushResult.sent()));
        FailedTasks failed = new FailedTasks();

        step().push(List.of(task(TaskFixtures.users("a-", 500), "m1"), task(TaskFixtures.users("b-", 20), "m1"),
                task(List.of("c-1"), "m2")), failed);

        verify(provider, times(3)).send(any());
        InOrder m1 = inOrder(provider);
        m1.verify(provider).send(argThat(b -> b.messageId().equals("m1") && b.userIds().size() == 500));
        m1.verify(provider).send(argThat(b -> b.messageId().equals("m1") && b.userIds().size() == 20));
        verify(ledger).mark(argThat(b -> b.messageId().equals("m2")), eq(List.of("c-1")), eq(PushResult.sent()));
        assertThat(failed.retries()).isEmpty();
        assertThat(failed.rejects()).isEmpty();
        assertThat(tasks("sent")).isEqualTo(3);
        assertThat(users("sent")).isEqualTo(521);
    }

    @Test
    void aBatchTheProviderRefusesIsDeadLetteredPushRejectedWithItsReason() {
        everyUserPending();
        when(provider.name()).thenReturn("webhook");
        when(provider.send(any())).thenAnswer(call -> PushOutcome.all(call.getArgument(0),
                PushResult.rejected("webhook answered 410")));
        FailedTasks failed = new FailedTasks();

        step().push(List.of(task(List.of("u1", "u2"), "m3")), failed);

        verify(ledger).mark(any(), eq(List.of("u1", "u2")), eq(PushResult.rejected("webhook answered 410")));
        assertThat(failed.rejects()).singleElement().satisfies(reject -> {
            assertThat(reject.rejection().reason()).isEqualTo(ReasonCode.PUSH_REJECTED);
            assertThat(reject.rejection().detail()).isEqualTo("2 of 2 users refused: webhook answered 410");
        });
        assertThat(failed.retries()).isEmpty();
        assertThat(tasks("rejected")).isEqualTo(1);
        assertThat(users("rejected")).isEqualTo(2);
    }

    @Test
    void aBatchWhoseUsersWereAllSentAlreadyIsNotSentAgainAndCountedDuplicate() {
        when(ledger.claim(any(), anyString())).thenReturn(Map.of());
        when(provider.name()).thenReturn("webhook");
        FailedTasks failed = new FailedTasks();

        step().push(List.of(task(List.of("u1", "u2"), "m4")), failed);

        verify(provider, never()).send(any());
        verify(ledger, never()).mark(any(), any(), any());
        assertThat(failed.retries()).isEmpty();
        assertThat(failed.rejects()).isEmpty();
        assertThat(tasks("duplicate")).isEqualTo(1);
        assertThat(users("duplicate")).isEqualTo(2);
    }

    private void everyUserPending() {
        when(ledger.claim(any(), anyString())).thenAnswer(call -> {
            Map<String, String> pending = new LinkedHashMap<>();
            ((PushBatch) call.getArgument(0)).userIds().forEach(u -> pending.put(u, "PENDING"));
            return pending;
        });
    }

    private PushStep step() {
        return new PushStep(provider, ledger, new WorkerMetrics(registry), pool);
    }

    private double tasks(String outcome) {
        Counter c = registry.find(WorkerMetrics.TASKS).tag("type", PushStep.TYPE).tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    private double users(String outcome) {
        Counter c = registry.find(WorkerMetrics.PUSH_USERS).tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    private static TaskRecord task(List<String> users, String messageId) {
        byte[] value = TaskFixtures.push(users, messageId);
        Task task = WireValidator.withDefaults().decodeTask(value).value();
        return new TaskRecord(new ConsumerRecord<>("im-task-topic", 0, 0, users.get(0), value), task);
    }
}
