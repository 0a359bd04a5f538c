package io.impipeline.worker.push;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.trace.TraceStage;
import io.impipeline.model.wire.Task;
import io.impipeline.worker.TaskFixtures;
import io.impipeline.worker.batch.FailedTasks;
import io.impipeline.worker.batch.MessageTrace;
import io.impipeline.worker.batch.TaskRecord;
import io.impipeline.worker.batch.WorkerMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.springframework.kafka.core.KafkaOperations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/** The {@code pushed} trace of one poll, with the ledger and the provider stubbed: one event per message. */
class PushStepTraceTest {

    private final PushLedger ledger = mock(PushLedger.class);
    private final PushProvider provider = mock(PushProvider.class);
    @SuppressWarnings("unchecked")
    private final KafkaOperations<String, byte[]> template = mock(KafkaOperations.class);
    @SuppressWarnings("unchecked")
    private final Producer<String, byte[]> producer = mock(Producer.class);
    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final Clock clock = Clock.fixed(Instant.ofEpochMilli(TaskFixtures.T0), ZoneOffset.UTC);

    /** The trace writes through {@code execute}, on the transaction's producer: hand it the mock producer. */
    @BeforeEach
    @SuppressWarnings("unchecked")
    void transactionProducer() {
        when(template.execute(any())).thenAnswer(call ->
                ((KafkaOperations.ProducerCallback<String, byte[], Object>) call.getArgument(0)).doInKafka(producer));
    }

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    @Test
    @SuppressWarnings("unchecked")
    void twoPushBatchesOfOneMessageInOnePollAreOnePushedEvent() {
        everyUserPending();
        when(provider.name()).thenReturn("webhook");
        when(provider.send(any())).thenAnswer(call -> PushOutcome.all(call.getArgument(0), PushResult.sent()));
        PushStep step = step(new MessageTrace(template, "im-trace-topic", "task-worker", clock));

        step.push(List.of(task(TaskFixtures.users("a-", 500), "m1"), task(TaskFixtures.users("b-", 20), "m1"),
                task(List.of("c-1"), "m2")), new FailedTasks());

        ArgumentCaptor<ProducerRecord<String, byte[]>> sent = ArgumentCaptor.forClass(ProducerRecord.class);
        verify(producer, times(2)).send(sent.capture());
        Map<String, TraceEvent> byMessage = new LinkedHashMap<>();
        for (ProducerRecord<String, byte[]> record : sent.getAllValues()) {
            assertThat(record.topic()).isEqualTo("im-trace-topic");
            TraceEvent event = WireJson.fromBytes(record.value(), TraceEvent.class);
            assertThat(record.key()).isEqualTo(event.messageId());
            byMessage.put(event.messageId(), event);
        }
        TraceEvent m1 = byMessage.get("m1");
        assertThat(m1.stage()).isEqualTo(TraceStage.PUSHED);
        assertThat(m1.at()).isEqualTo(TaskFixtures.T0);
        assertThat(m1.detail()).containsEntry("users", 520).containsEntry("batches", 2)
                .containsEntry("result", "sent").containsEntry("sent", 520).containsEntry("provider", "webhook");
        assertThat(byMessage.get("m2").detail()).containsEntry("users", 1).containsEntry("batches", 1);
    }

    @Test
    void aBatchTheProviderRefusesIsTracedRejectedWithItsReason() {
        everyUserPending();
        when(provider.name()).thenReturn("webhook");
        when(provider.send(any())).thenAnswer(call -> PushOutcome.all(call.getArgument(0),
                PushResult.rejected("webhook answered 410")));
        MessageTrace trace = new MessageTrace(template, "im-trace-topic", "task-worker", clock);
        FailedTasks failed = new FailedTasks();

        step(trace).push(List.of(task(List.of("u1", "u2"), "m3")), failed);

        @SuppressWarnings("unchecked")
        ArgumentCaptor<ProducerRecord<String, byte[]>> sent = ArgumentCaptor.forClass(ProducerRecord.class);
        verify(producer).send(sent.capture());
        assertThat(WireJson.fromBytes(sent.getValue().value(), TraceEvent.class).detail())
                .containsEntry("users", 2).containsEntry("result", "rejected").containsEntry("rejected", 2)
                .containsEntry("reason", "webhook answered 410");
        assertThat(failed.rejects()).hasSize(1);
    }

    @Test
    void traceOffSendsNothing() {
        everyUserPending();
        when(provider.name()).thenReturn("log");
        when(provider.send(any())).thenAnswer(call -> PushOutcome.all(call.getArgument(0), PushResult.sent()));

        step(MessageTrace.off()).push(List.of(task(List.of("u1"), "m4")), new FailedTasks());

        verify(provider).send(any());
        verify(template, never()).execute(any());
        verify(template, never()).send(any(ProducerRecord.class));
    }

    private void everyUserPending() {
        when(ledger.claim(any(), anyString())).thenAnswer(call -> {
            Map<String, String> pending = new LinkedHashMap<>();
            ((PushBatch) call.getArgument(0)).userIds().forEach(u -> pending.put(u, "PENDING"));
            return pending;
        });
    }

    private PushStep step(MessageTrace trace) {
        return new PushStep(provider, ledger, new WorkerMetrics(new SimpleMeterRegistry()), pool, trace);
    }

    private static TaskRecord task(List<String> users, String messageId) {
        byte[] value = TaskFixtures.push(users, messageId);
        Task task = WireValidator.withDefaults().decodeTask(value).value();
        return new TaskRecord(new ConsumerRecord<>("im-task-topic", 0, 0, users.get(0), value), task);
    }
}
