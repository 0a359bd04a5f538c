package io.impipeline.worker.persist;

import java.util.List;

import io.impipeline.model.codec.Tasks;
import io.impipeline.model.wire.TaskType;
import io.impipeline.platform.tracing.StreamTracing;
import io.impipeline.worker.batch.DataErrors;
import io.impipeline.worker.batch.FailedTasks;
import io.impipeline.worker.batch.Outages;
import io.impipeline.worker.batch.TaskRecord;
import io.impipeline.worker.batch.WorkerMetrics;
import io.impipeline.worker.batch.WorkerMetrics.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;

/**
 * {@code persist_message}: all tasks of a poll as one JDBC batch in one transaction, idempotent by the message's
 * identity ({@code from_user_id}, {@code message_id}). When the batch fails for a reason other than an outage, the
 * rows are inserted one by one so that only the row at fault fails and the rest of the batch is stored. A row
 * PostgreSQL refuses for its data (SQLSTATE class 22/23, e.g. a NUL character in {@code content}) is dead-lettered at
 * once with {@code INVALID_FIELD} and the database's reason: it would fail the same way on every attempt. Any other
 * failure of a row takes the retry path.
 *
 * <p>No trace event is written here: the message's row in {@code messages} (with its {@code stored_at}) is the record
 * that it was persisted, and the dlq-handler's trace API derives the {@code persisted} stage from it (see
 * {@link io.impipeline.worker.batch.MessageTrace}).
 */
public class PersistStep {

    private static final Logger log = LoggerFactory.getLogger(PersistStep.class);
    private static final String TYPE = TaskType.PERSIST_MESSAGE.wireName();

    private final MessageStore store;
    private final WorkerMetrics metrics;

    public PersistStep(MessageStore store, WorkerMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    public void persist(List<TaskRecord> tasks, FailedTasks failed) {
        if (tasks.isEmpty()) {
            return;
        }
        List<MessageStore.Row> rows = tasks.stream().map(PersistStep::row).toList();
        try {
            int[] counts = metrics.persistBatch().record(() -> store.insertBatch(rows));
            count(counts);
        } catch (DataAccessException e) {
            if (Outages.isOutage(e)) {
                throw e;
            }
            log.warn("persist batch of {} failed ({}); inserting row by row to isolate the failing task", rows.size(),
                    e.getClass().getSimpleName());
            insertOneByOne(tasks, rows, failed);
        }
    }

    private void insertOneByOne(List<TaskRecord> tasks, List<MessageStore.Row> rows, FailedTasks failed) {
        for (int i = 0; i < rows.size(); i++) {
            try {
                count(new int[] {store.insertOne(rows.get(i))});
            } catch (DataAccessException e) {
                if (Outages.isOutage(e)) {
                    throw e;
                }
                if (DataErrors.isDataError(e)) {
                    failed.reject(tasks.get(i), DataErrors.rejection("the message", e));
                } else {
                    failed.retry(tasks.get(i), e);
                }
            }
        }
    }

    private void count(int[] counts) {
        long stored = 0;
        for (int c : counts) {
            // A driver may answer SUCCESS_NO_INFO (-2) for a statement it rewrote: count it as stored.
            stored += c != 0 ? 1 : 0;
        }
        metrics.task(TYPE, Outcome.PERSISTED, stored);
        metrics.task(TYPE, Outcome.DUPLICATE, counts.length - stored);
    }

    private static MessageStore.Row row(TaskRecord task) {
        return new MessageStore.Row(Tasks.persistPayload(task.task()), StreamTracing.traceId(task.record().headers()));
    }
}
