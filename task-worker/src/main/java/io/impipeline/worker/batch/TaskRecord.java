package io.impipeline.worker.batch;

import io.impipeline.model.wire.Task;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A decoded task with the record it came in (for its headers, retries and dead letters) and where it was on the task
 * topic: the record's own partition and offset, or, for a task on the retry topic, those of the task it retries.
 */
public record TaskRecord(ConsumerRecord<String, byte[]> record, Task task, int originPartition, long originOffset) {

    /** A task read from the task topic itself. */
    public TaskRecord(ConsumerRecord<String, byte[]> record, Task task) {
        this(record, task, record.partition(), record.offset());
    }

    public String type() {
        return task.taskType().wireName();
    }

    /** {@code partition:offset} on the task topic: the same for a task and each of its retries. */
    public String origin() {
        return originPartition + ":" + originOffset;
    }
}
