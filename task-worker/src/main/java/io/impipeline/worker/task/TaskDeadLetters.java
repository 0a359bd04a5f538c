package io.impipeline.worker.task;

import java.util.Optional;

import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.Rejection;
import io.impipeline.model.dlq.RejectedRecordException;
import io.impipeline.platform.dlq.DeadLetterPublishers;
import io.impipeline.worker.batch.RetryHeaders;
import io.impipeline.worker.batch.WorkerMetrics;
import io.impipeline.worker.settings.WorkerTopics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;

/**
 * Writes tasks to {@code im-task-topic-dlq} through spring-kafka's {@link DeadLetterPublishingRecoverer} (via
 * {@link DeadLetterPublishers}), inside the batch's Kafka transaction. A task coming from the retry topic is
 * dead-lettered as the record it was on the task topic (topic, partition, offset, timestamp, headers without the
 * retry headers), so that the dlq-handler shows where it really came from and a replay goes back to the task topic.
 */
public final class TaskDeadLetters {

    private static final Logger log = LoggerFactory.getLogger(TaskDeadLetters.class);
    static final String UNKNOWN_TYPE = "unknown";

    private final DeadLetterPublishingRecoverer recoverer;
    private final WorkerTopics topics;
    private final WorkerMetrics metrics;

    public TaskDeadLetters(KafkaOperations<String, byte[]> template, WorkerTopics topics, WorkerMetrics metrics) {
        this.recoverer = DeadLetterPublishers.recoverer(template, WorkerMetrics.STAGE, topics.dlqSuffix(),
                TaskDeadLetters::classify, metrics.registry());
        this.topics = topics;
        this.metrics = metrics;
    }

    /** Refused for a known reason (cannot be parsed, push rejected): no retry. */
    public void reject(ConsumerRecord<String, byte[]> record, String type, Rejection rejection) {
        publish(record, type, rejection.reason(), new RejectedRecordException(rejection));
    }

    public void exhausted(ConsumerRecord<String, byte[]> record, String type, int attempts, Exception lastFailure) {
        publish(record, type, ReasonCode.RETRIES_EXHAUSTED, new RetriesExhaustedException(attempts, lastFailure));
    }

    private void publish(ConsumerRecord<String, byte[]> record, String type, ReasonCode reason, RuntimeException ex) {
        ConsumerRecord<String, byte[]> origin = asOnTaskTopic(record);
        log.warn("dead letter stage={} reason={} type={} topic={} partition={} offset={} detail={}", WorkerMetrics.STAGE,
                reason, type, origin.topic(), origin.partition(), origin.offset(), ex.getMessage());
        recoverer.accept(origin, null, ex);
        metrics.deadLettered(type, reason);
    }

    ConsumerRecord<String, byte[]> asOnTaskTopic(ConsumerRecord<String, byte[]> record) {
        if (!record.topic().equals(topics.retry())) {
            return record;
        }
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        Long partition = RetryHeaders.longValue(headers, RetryHeaders.ORIGIN_PARTITION);
        Long offset = RetryHeaders.longValue(headers, RetryHeaders.ORIGIN_OFFSET);
        Long timestamp = RetryHeaders.longValue(headers, RetryHeaders.ORIGIN_TIMESTAMP);
        RetryHeaders.removeAll(headers);
        return new ConsumerRecord<>(topics.task(), partition == null ? -1 : partition.intValue(),
                offset == null ? -1 : offset, timestamp == null ? record.timestamp() : timestamp,
                TimestampType.CREATE_TIME, -1, -1, record.key(), record.value(), headers, Optional.empty());
    }

    private static ReasonCode classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof RetriesExhaustedException) {
                return ReasonCode.RETRIES_EXHAUSTED;
            }
        }
        return ReasonCode.PROCESSING_ERROR;
    }
}
