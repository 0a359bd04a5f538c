package io.impipeline.worker.task;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import io.impipeline.worker.batch.RetryHeaders;
import io.impipeline.worker.settings.ListenerFactories;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;

/**
 * The two consumers of tasks: {@code im-task-topic} (group {@code im-task-group}) and the retry topic (its own
 * group, so that waiting for due retries never holds a task partition). Both run the same batch processing.
 */
public class TaskListener {

    private final TaskBatchProcessor processor;
    private final Clock clock;
    private final Duration maxWait;

    public TaskListener(TaskBatchProcessor processor, Clock clock, Duration maxWait) {
        this.processor = processor;
        this.clock = clock;
        this.maxWait = maxWait;
    }

    @KafkaListener(id = "tasks", topics = "#{@workerTopics.task()}", groupId = "#{@workerTopics.taskGroup()}",
            concurrency = "#{@workerTopics.concurrency()}", containerFactory = ListenerFactories.BATCH,
            properties = "max.poll.records=#{@workerTopics.batchSize()}")
    public void onTasks(List<ConsumerRecord<String, byte[]>> records) {
        processor.process(records);
    }

    @KafkaListener(id = "task-retries", topics = "#{@workerTopics.retry()}", groupId = "#{@workerTopics.retryGroup()}",
            containerFactory = ListenerFactories.BATCH,
            properties = "max.poll.records=#{@workerTopics.batchSize()}")
    public void onRetries(List<ConsumerRecord<String, byte[]>> records) throws InterruptedException {
        waitUntilDue(records);
        processor.process(records);
    }

    /**
     * Retries are written with due times at most {@code im.worker.retry.max-interval} ahead, in due order per
     * partition, so waiting for the latest due time of a poll is bounded by that interval.
     */
    private void waitUntilDue(List<ConsumerRecord<String, byte[]>> records) throws InterruptedException {
        long latestDue = records.stream().mapToLong(r -> RetryHeaders.due(r.headers())).max().orElse(0);
        // Capped: a due time far ahead (clock skew, a hand-written header) must not stall the retry consumer.
        long wait = Math.min(latestDue - clock.millis(), maxWait.toMillis());
        if (wait > 0) {
            Thread.sleep(wait);
        }
    }
}
