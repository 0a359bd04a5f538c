package io.impipeline.worker.task;

import java.time.Clock;

import io.impipeline.worker.batch.RetryHeaders;
import io.impipeline.worker.batch.TaskRecord;
import io.impipeline.worker.batch.WorkerMetrics;
import io.impipeline.worker.batch.WorkerMetrics.Outcome;
import io.impipeline.worker.settings.WorkerProperties;
import io.impipeline.worker.settings.WorkerTopics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaOperations;

/**
 * Non-blocking retries: a failed task is written, unchanged, to the retry topic with its next attempt number and
 * due time (exponential back-off), in the same Kafka transaction that commits the batch's offsets, so a task is
 * never both retried and lost. After the last attempt it is dead-lettered with {@code RETRIES_EXHAUSTED}.
 */
public final class RetryScheduler {

    private static final Logger log = LoggerFactory.getLogger(RetryScheduler.class);

    private final KafkaOperations<String, byte[]> template;
    private final WorkerTopics topics;
    private final WorkerProperties.Retry retry;
    private final TaskDeadLetters deadLetters;
    private final WorkerMetrics metrics;
    private final Clock clock;

    public RetryScheduler(KafkaOperations<String, byte[]> template, WorkerTopics topics, WorkerProperties.Retry retry,
                          TaskDeadLetters deadLetters, WorkerMetrics metrics, Clock clock) {
        this.template = template;
        this.topics = topics;
        this.retry = retry;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** The attempt a record stands for: 1 on the task topic (also for a replayed dead letter), else its header. */
    public int attemptOf(ConsumerRecord<String, byte[]> record) {
        return record.topic().equals(topics.retry()) ? RetryHeaders.attempt(record.headers()) : 1;
    }

    public void retryOrDeadLetter(TaskRecord task, Exception cause) {
        ConsumerRecord<String, byte[]> record = task.record();
        int attempt = attemptOf(record);
        if (attempt >= retry.maxAttempts()) {
            deadLetters.exhausted(record, task.type(), attempt, cause);
            return;
        }
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        if (attempt == 1) {
            RetryHeaders.removeAll(headers);
            RetryHeaders.put(headers, RetryHeaders.ORIGIN_PARTITION, record.partition());
            RetryHeaders.put(headers, RetryHeaders.ORIGIN_OFFSET, record.offset());
            RetryHeaders.put(headers, RetryHeaders.ORIGIN_TIMESTAMP, record.timestamp());
        }
        long due = clock.millis() + retry.backoffAfter(attempt).toMillis();
        RetryHeaders.put(headers, RetryHeaders.ATTEMPT, attempt + 1L);
        RetryHeaders.put(headers, RetryHeaders.DUE, due);
        log.info("task retry type={} task_id={} failed_attempt={} next_in_ms={} cause={}", task.type(),
                task.task().taskId(), attempt, due - clock.millis(), cause.toString());
        template.send(new ProducerRecord<>(topics.retry(), null, record.key(), record.value(), headers));
        metrics.task(task.type(), Outcome.RETRIED, 1);
    }
}
