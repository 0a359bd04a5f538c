package io.impipeline.worker.batch;

import io.impipeline.model.wire.Task;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** A decoded task with the record it came in (for its headers, retries and dead letters). */
public record TaskRecord(ConsumerRecord<String, byte[]> record, Task task) {

    public String type() {
        return task.taskType().wireName();
    }
}
