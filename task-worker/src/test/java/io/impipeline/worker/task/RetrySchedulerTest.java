package io.impipeline.worker.task;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.wire.Task;
import io.impipeline.worker.TaskFixtures;
import io.impipeline.worker.batch.RetryHeaders;
import io.impipeline.worker.batch.TaskRecord;
import io.impipeline.worker.batch.WorkerMetrics;
import io.impipeline.worker.settings.WorkerProperties;
import io.impipeline.worker.settings.WorkerTopics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.kafka.core.KafkaOperations;

import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

/** Where a failed task goes: the retry topic with its next attempt and due time, or the DLQ after the last one. */
class RetrySchedulerTest {

    private static final long NOW = 1_800_000_000_000L;

    @SuppressWarnings("unchecked")
    private final KafkaOperations<String, byte[]> template = mock(KafkaOperations.class);
    private final TaskDeadLetters deadLetters = mock(TaskDeadLetters.class);
    private final WorkerProperties.Retry retry =
            new WorkerProperties.Retry(3, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(30), "-retry");
    private final WorkerTopics topics = new WorkerTopics(ImTopicsProperties.defaults(),
            new Binder(new MapConfigurationPropertySource(Map.of())).bindOrCreate("im.worker", WorkerProperties.class));
    private final RetryScheduler scheduler = new RetryScheduler(template, topics, retry, deadLetters,
            new WorkerMetrics(new SimpleMeterRegistry()), Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));

    @Test
    @SuppressWarnings("unchecked")
    void aFirstFailureGoesToTheRetryTopicUnchangedWithAttemptTwoDueAfterTheInitialInterval() {
        ConsumerRecord<String, byte[]> record = record("im-task-topic", new RecordHeaders());
        scheduler.retryOrDeadLetter(task(record), new IllegalStateException("boom"));

        ArgumentCaptor<ProducerRecord<String, byte[]>> sent = ArgumentCaptor.forClass(ProducerRecord.class);
        verify(template).send(sent.capture());
        ProducerRecord<String, byte[]> retried = sent.getValue();
        assertThat(retried.topic()).isEqualTo("im-task-topic-retry");
        assertThat(retried.key()).isEqualTo("k");
        assertThat(retried.value()).isEqualTo(record.value());
        assertThat(RetryHeaders.attempt(retried.headers())).isEqualTo(2);
        assertThat(RetryHeaders.due(retried.headers())).isEqualTo(NOW + 1000);
        assertThat(RetryHeaders.longValue(retried.headers(), RetryHeaders.ORIGIN_OFFSET)).isEqualTo(42L);
        assertThat(RetryHeaders.longValue(retried.headers(), RetryHeaders.ORIGIN_PARTITION)).isEqualTo(3L);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theSecondFailureWaitsTwiceAsLongAndKeepsTheOrigin() {
        RecordHeaders headers = new RecordHeaders();
        RetryHeaders.put(headers, RetryHeaders.ATTEMPT, 2);
        RetryHeaders.put(headers, RetryHeaders.ORIGIN_OFFSET, 7);
        scheduler.retryOrDeadLetter(task(record("im-task-topic-retry", headers)), new IllegalStateException("boom"));

        ArgumentCaptor<ProducerRecord<String, byte[]>> sent = ArgumentCaptor.forClass(ProducerRecord.class);
        verify(template).send(sent.capture());
        assertThat(RetryHeaders.attempt(sent.getValue().headers())).isEqualTo(3);
        assertThat(RetryHeaders.due(sent.getValue().headers())).isEqualTo(NOW + 2000);
        assertThat(RetryHeaders.longValue(sent.getValue().headers(), RetryHeaders.ORIGIN_OFFSET)).isEqualTo(7L);
    }

    @Test
    void theLastAttemptsFailureIsDeadLetteredNotRetried() {
        RecordHeaders headers = new RecordHeaders();
        RetryHeaders.put(headers, RetryHeaders.ATTEMPT, 3);
        ConsumerRecord<String, byte[]> record = record("im-task-topic-retry", headers);
        IllegalStateException failure = new IllegalStateException("boom");
        scheduler.retryOrDeadLetter(task(record), failure);

        verify(deadLetters).exhausted(eq(record), eq("persist_message"), eq(3), eq(failure));
        verify(template, never()).send(any(ProducerRecord.class));
    }

    @Test
    void aRecordOnTheTaskTopicIsAttemptOneWhateverItsHeadersSay() {
        RecordHeaders headers = new RecordHeaders();
        RetryHeaders.put(headers, RetryHeaders.ATTEMPT, 3);
        assertThat(scheduler.attemptOf(record("im-task-topic", headers))).isEqualTo(1);
        verify(deadLetters, never()).exhausted(any(), any(), anyInt(), any());
    }

    private static ConsumerRecord<String, byte[]> record(String topic, RecordHeaders headers) {
        return new ConsumerRecord<>(topic, 3, 42, NOW - 5000, TimestampType.CREATE_TIME, -1, -1, "k",
                TaskFixtures.persist("m1", "c1", 1), headers, Optional.empty());
    }

    private static TaskRecord task(ConsumerRecord<String, byte[]> record) {
        Task task = WireValidator.withDefaults().decodeTask(record.value()).value();
        return new TaskRecord(record, task);
    }
}
