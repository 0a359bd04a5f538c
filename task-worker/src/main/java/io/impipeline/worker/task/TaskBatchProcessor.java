package io.impipeline.worker.task;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import io.impipeline.model.codec.Decoded;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.Rejection;
import io.impipeline.model.codec.Tasks;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.wire.Task;
import io.impipeline.model.wire.TaskType;
import io.impipeline.worker.batch.FailedTasks;
import io.impipeline.worker.batch.RetryHeaders;
import io.impipeline.worker.batch.TaskRecord;
import io.impipeline.worker.batch.WorkerMetrics;
import io.impipeline.worker.batch.WorkerMetrics.Outcome;
import io.impipeline.worker.fanout.FanoutHeaders;
import io.impipeline.worker.fanout.FanoutStep;
import io.impipeline.worker.persist.PersistStep;
import io.impipeline.worker.push.PushStep;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import tools.jackson.databind.JsonNode;

/**
 * One poll of tasks, in the order of the data flow: decode (rejections dead-lettered at once), persist the
 * messages (one JDBC batch), send the pushes, fan out the groups, then settle the failures (retry topic or DLQ).
 * Runs inside the poll's Kafka transaction, which commits the offsets with everything written to Kafka, after the
 * database work is committed. Only an outage (database or broker down) leaves this method as an exception.
 */
public class TaskBatchProcessor {

    private final WireValidator validator;
    private final PersistStep persist;
    private final PushStep push;
    private final FanoutStep fanout;
    private final RetryScheduler retries;
    private final TaskDeadLetters deadLetters;
    private final WorkerMetrics metrics;

    public TaskBatchProcessor(WireValidator validator, PersistStep persist, PushStep push, FanoutStep fanout,
                              RetryScheduler retries, TaskDeadLetters deadLetters, WorkerMetrics metrics) {
        this.validator = validator;
        this.persist = persist;
        this.push = push;
        this.fanout = fanout;
        this.retries = retries;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
    }

    /** The tasks of a poll, by type, in arrival order. */
    private record Batch(List<TaskRecord> persists, List<TaskRecord> pushes, List<TaskRecord> fanouts) {
        Batch() {
            this(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        }
    }

    public void process(List<ConsumerRecord<String, byte[]>> records) {
        Batch batch = decode(records);
        FailedTasks failed = new FailedTasks();
        persist.persist(batch.persists(), failed);
        push.push(batch.pushes(), failed);
        batch.fanouts().forEach(task -> fanout.fanOut(task, failed));
        settle(failed);
    }

    private Batch decode(List<ConsumerRecord<String, byte[]>> records) {
        Batch batch = new Batch();
        Set<String> seen = new HashSet<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            Decoded<Task> decoded = validator.decodeTask(record.value());
            if (!decoded.isValid()) {
                metrics.task(TaskDeadLetters.UNKNOWN_TYPE, Outcome.INVALID, 1);
                deadLetters.reject(record, TaskDeadLetters.UNKNOWN_TYPE, decoded.rejection());
                continue;
            }
            TaskRecord task = onTaskTopic(record, decoded.value());
            if (!seen.add(identity(task))) {
                // The same work twice in one poll (a redelivery): done once. Across polls the steps are idempotent.
                metrics.task(task.type(), Outcome.DUPLICATE, 1);
                continue;
            }
            Rejection unusable = unusable(task.task());
            if (unusable != null) {
                metrics.task(task.type(), Outcome.INVALID, 1);
                deadLetters.reject(record, task.type(), unusable);
                continue;
            }
            switch (task.task().taskType()) {
                case PERSIST_MESSAGE -> batch.persists().add(task);
                case OFFLINE_PUSH -> batch.pushes().add(task);
                case GROUP_FANOUT -> batch.fanouts().add(task);
            }
        }
        return batch;
    }

    /** The task with its place on the task topic: a retried task keeps the one it had there. */
    private TaskRecord onTaskTopic(ConsumerRecord<String, byte[]> record, Task task) {
        if (retries.attemptOf(record) <= 1) {
            return new TaskRecord(record, task);
        }
        Long partition = RetryHeaders.longValue(record.headers(), RetryHeaders.ORIGIN_PARTITION);
        Long offset = RetryHeaders.longValue(record.headers(), RetryHeaders.ORIGIN_OFFSET);
        return new TaskRecord(record, task, partition == null ? -1 : partition.intValue(),
                offset == null ? -1 : offset);
    }

    /**
     * What makes two tasks the same work, whatever their {@code task_id}: a message is identified by
     * ({@code from_user_id}, {@code message_id}); a push by its message and its users; a fan-out by its group, its
     * message and the page the record writes.
     */
    private static String identity(TaskRecord record) {
        Task task = record.task();
        JsonNode p = task.payload();
        return switch (task.taskType()) {
            case PERSIST_MESSAGE -> "persist\n" + p.path("from_user_id").asString("") + "\n"
                    + p.path("message_id").asString("");
            case OFFLINE_PUSH -> "push\n" + p.path("from_user_id").asString("") + "\n"
                    + p.path("message_id").asString("") + "\n" + sortedUsers(p.path("user_ids"));
            case GROUP_FANOUT -> "fanout\n" + p.path("group_id").asString("") + "\n"
                    + p.path("message").path("from_user_id").asString("") + "\n"
                    + p.path("message").path("message_id").asString("") + "\n"
                    + FanoutHeaders.position(record.record().headers()).page();
        };
    }

    private static String sortedUsers(JsonNode users) {
        List<String> ids = new ArrayList<>();
        users.forEach(u -> ids.add(u.asString("")));
        return String.join("\n", new TreeSet<>(ids));
    }

    /**
     * Why the steps could not use this task, or null. The validator checks the fields the contract requires; a
     * payload must also read as its type (a {@code batch_size} or {@code title} of the wrong JSON type would
     * otherwise fail inside a step: for a persist task, out of the listener and again on every redelivery), and a
     * persist task needs its {@code seq}.
     */
    private static Rejection unusable(Task task) {
        try {
            switch (task.taskType()) {
                case PERSIST_MESSAGE -> Tasks.persistPayload(task);
                case OFFLINE_PUSH -> Tasks.offlinePushPayload(task);
                case GROUP_FANOUT -> Tasks.groupFanoutPayload(task);
            }
        } catch (RuntimeException e) {
            return Rejection.of(ReasonCode.INVALID_FIELD, "payload does not read as " + task.taskType().wireName()
                    + ": " + e.getMessage());
        }
        if (task.taskType() == TaskType.PERSIST_MESSAGE && !hasSeq(task)) {
            return Rejection.of(ReasonCode.MISSING_FIELD, "payload.seq must be a whole number >= 1");
        }
        return null;
    }

    /** The validator checks the message inside a persist task; its {@code seq} is the worker's to check. */
    private static boolean hasSeq(Task task) {
        JsonNode seq = task.payload().get("seq");
        return seq != null && seq.canConvertToLong() && seq.isIntegralNumber() && seq.longValue() >= 1;
    }

    private void settle(FailedTasks failed) {
        failed.rejects().forEach(r -> deadLetters.reject(r.task().record(), r.task().type(), r.rejection()));
        failed.retries().forEach(r -> retries.retryOrDeadLetter(r.task(), r.cause()));
    }
}
