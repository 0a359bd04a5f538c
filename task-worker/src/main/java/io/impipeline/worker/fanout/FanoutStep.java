package io.impipeline.worker.fanout;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.Rejection;
import io.impipeline.model.codec.Tasks;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.wire.GroupFanoutPayload;
import io.impipeline.model.wire.RecipientPartitions;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.TaskType;
import io.impipeline.platform.tracing.StreamTracing;
import io.impipeline.worker.batch.DataErrors;
import io.impipeline.worker.batch.FailedTasks;
import io.impipeline.worker.batch.MessageTrace;
import io.impipeline.worker.batch.Outages;
import io.impipeline.worker.batch.RetryHeaders;
import io.impipeline.worker.batch.TaskRecord;
import io.impipeline.worker.batch.WorkerMetrics;
import io.impipeline.worker.batch.WorkerMetrics.Outcome;
import io.impipeline.worker.fanout.FanoutHeaders.Position;
import io.impipeline.worker.fanout.FanoutProgress.Claim;
import io.impipeline.worker.settings.WorkerProperties;
import io.impipeline.worker.settings.WorkerTopics;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaOperations;

/**
 * {@code group_fanout}, one page per task record (contract v2). A record writes one page of the group's members
 * (keyset paging on {@code user_id}, {@code batch_size} members) as group batches on {@code im-routed-topic}: the
 * page's members but {@code exclude_user_ids} and the sender, grouped by the partition of {@code im-routed-topic}
 * they hash to ({@link RecipientPartitions}, for the configured partition count), one
 * {@link RoutedMessage#batch} per (page, partition), written to that partition explicitly with key
 * {@code conversation_id}. With them, in the same Kafka transaction as the record's offset, it writes the
 * continuation: the same task (value unchanged) with the next page's cursor in headers ({@link FanoutHeaders}), to
 * the record's own partition of the task topic, where it waits behind the tasks already there.
 *
 * <p>So a fan-out of any size is a chain of small transactions, one page each: a crash aborts one page, which is
 * redone from the same record; nothing of it is seen by read_committed readers, nothing is written twice; other tasks
 * of the partition go between the pages. {@link FanoutProgress} makes a record delivered again after its page
 * committed write nothing. A page that fails before it is sent (the projection does not know the group, the page
 * cannot be read) takes the retry path and, after the last attempt, the DLQ ({@code RETRIES_EXHAUSTED}), keeping its
 * cursor: a replay resumes there.
 *
 * <p>Each page written is traced {@code fanned_out} (detail: {@code group_id}, {@code page}, {@code recipients} of
 * the page, routed {@code records}) with the page's records, in the same Kafka transaction: a page that aborts leaves
 * no trace, the page redone writes its own.
 */
public class FanoutStep {

    private static final Logger log = LoggerFactory.getLogger(FanoutStep.class);
    private static final String TYPE = TaskType.GROUP_FANOUT.wireName();
    private static final String SPAN = "group-fanout";
    /** Finished fan-outs forgotten per completion (the rest at the next ones). */
    private static final int PURGE_LIMIT = 100;

    private final FanoutProgress progress;
    private final KafkaOperations<String, byte[]> template;
    private final WorkerTopics topics;
    private final WorkerProperties.Fanout settings;
    private final FanoutPageListener pageListener;
    private final WorkerMetrics metrics;
    private final Clock clock;
    private final StreamTracing tracing;
    private final MessageTrace messageTrace;

    /** @param tracing null when tracing is off */
    public FanoutStep(FanoutProgress progress, KafkaOperations<String, byte[]> template, WorkerTopics topics,
                      WorkerProperties.Fanout settings, FanoutPageListener pageListener, WorkerMetrics metrics,
                      Clock clock, StreamTracing tracing, MessageTrace messageTrace) {
        this.progress = progress;
        this.template = template;
        this.topics = topics;
        this.settings = settings;
        this.pageListener = pageListener;
        this.metrics = metrics;
        this.clock = clock;
        this.tracing = tracing;
        this.messageTrace = messageTrace;
    }

    /** The fan-out a task belongs to: the group and the message's identity. */
    public static FanoutProgress.Key keyOf(GroupFanoutPayload payload) {
        return new FanoutProgress.Key(payload.groupId(), payload.message().message().fromUserId(),
                payload.message().message().messageId());
    }

    public void fanOut(TaskRecord task, FailedTasks failed) {
        GroupFanoutPayload payload = Tasks.groupFanoutPayload(task.task());
        FanoutProgress.Key key = keyOf(payload);
        Position position = FanoutHeaders.position(task.record().headers());
        Claim claim;
        try {
            claim = progress.claim(key, position, task.origin(), settings.pageSize(payload.batchSize()));
        } catch (RuntimeException e) {
            settle(task, failed, e);
            return;
        }
        if (claim instanceof Claim.UnknownGroup) {
            // The projection may lag behind the router: worth a retry, then the DLQ.
            failed.retry(task, new UnknownGroupException(key.groupId()));
        } else if (claim instanceof Claim.Skip skip) {
            log.info("fan-out record skipped group_id={} from_user_id={} message_id={} page={} origin={}: {}",
                    key.groupId(), key.fromUserId(), key.messageId(), position.page(), task.origin(), skip.why());
            metrics.task(TYPE, Outcome.DUPLICATE, 1);
        } else if (claim instanceof Claim.Completed completed) {
            complete(key, completed);
        } else {
            // Sent inside the page's span: the template's observation makes each record's trace context a child.
            inTraceOf(task, trace -> {
                writePage(task, payload, key, (Claim.Page) claim, failed, trace);
                return null;
            });
        }
    }

    private void writePage(TaskRecord task, GroupFanoutPayload payload, FanoutProgress.Key key, Claim.Page page,
                           FailedTasks failed, List<Header> trace) {
        List<ProducerRecord<String, byte[]>> records;
        List<String> recipients;
        try {
            pageListener.beforePage(key.groupId(), key.messageId(), page.page());
            recipients = recipients(payload, page.members());
            records = pageRecords(payload, recipients, trace);
        } catch (RuntimeException e) {
            // Nothing of this page was sent: let the claim go (a replay may take the page over) and settle the task.
            release(key, page, task);
            settle(task, failed, e);
            return;
        }
        // From the first send on, any exception must leave this method: the poll's transaction is aborted and the
        // page redone from this record. Catching it here would commit part of a page next to its retry.
        records.forEach(template::send);
        String last = page.members().get(page.members().size() - 1);
        long recordsSoFar = page.recordsSoFar() + records.size();
        template.send(continuation(task, new Position(page.page() + 1, last, recordsSoFar)));
        metrics.fanoutRecords(records.size());
        tracePage(key, page.page(), recipients.size(), records.size());
        log.debug("fan-out page group_id={} message_id={} page={} members={} records={}", key.groupId(),
                key.messageId(), page.page(), page.members().size(), records.size());
        pageListener.afterPage(key.groupId(), key.messageId(), page.page(), recordsSoFar);
    }

    /** The page's {@code fanned_out} event, sent with the page (before anything that could still abort it). */
    private void tracePage(FanoutProgress.Key key, int page, int recipients, int records) {
        if (!messageTrace.on()) {
            return;
        }
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("group_id", key.groupId());
        detail.put("page", page);
        detail.put("recipients", recipients);
        detail.put("records", records);
        messageTrace.fannedOut(key.messageId(), key.fromUserId(), detail);
    }

    private void complete(FanoutProgress.Key key, Claim.Completed completed) {
        metrics.task(TYPE, Outcome.FANNED_OUT, 1);
        log.info("fan-out done group_id={} from_user_id={} message_id={} pages={} records={}", key.groupId(),
                key.fromUserId(), key.messageId(), completed.pages(), completed.routedRecords());
        try {
            int forgotten = progress.purge(settings.progressRetention(), PURGE_LIMIT);
            if (forgotten > 0) {
                log.debug("forgot {} fan-outs finished more than {} ago", forgotten, settings.progressRetention());
            }
        } catch (RuntimeException e) {
            if (Outages.isOutage(e)) {
                throw e;
            }
            log.warn("could not forget finished fan-outs: {}", e.toString());
        }
    }

    private void release(FanoutProgress.Key key, Claim.Page page, TaskRecord task) {
        try {
            progress.release(key, page.page(), task.origin());
        } catch (RuntimeException e) {
            if (Outages.isOutage(e)) {
                throw e;
            }
            log.warn("could not release page {} of fan-out {}: {}", page.page(), key, e.toString());
        }
    }

    private static void settle(TaskRecord task, FailedTasks failed, RuntimeException e) {
        if (Outages.isOutage(e)) {
            throw e;
        }
        if (e instanceof RecipientTooLargeException tooLarge) {
            failed.reject(task, Rejection.of(ReasonCode.TOO_LARGE, tooLarge.getMessage()));
        } else if (DataErrors.isDataError(e)) {
            failed.reject(task, DataErrors.rejection("the fan-out", e));
        } else {
            failed.retry(task, e);
        }
    }

    /** The page's members but the excluded ones and the sender. */
    private static List<String> recipients(GroupFanoutPayload payload, List<String> members) {
        Set<String> excluded = new HashSet<>();
        if (payload.excludeUserIds() != null) {
            excluded.addAll(payload.excludeUserIds());
        }
        excluded.add(payload.message().message().fromUserId());
        return members.stream().filter(u -> !excluded.contains(u)).toList();
    }

    /**
     * The page's group batches: its recipients by partition of the routed topic, one record per partition (split in
     * halves while a record would exceed the record size limit).
     */
    private List<ProducerRecord<String, byte[]>> pageRecords(GroupFanoutPayload payload, List<String> recipients,
                                                             List<Header> trace) {
        String key = payload.message().message().conversationId();
        long routedAt = clock.millis();
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (Map.Entry<Integer, List<String>> partition
                : RecipientPartitions.byPartition(recipients, topics.routedPartitions()).entrySet()) {
            addBatches(records, partition.getKey(), key, partition.getValue(), payload.message(), routedAt, trace);
        }
        return records;
    }

    private void addBatches(List<ProducerRecord<String, byte[]>> records, int partition, String key,
                            List<String> users, SequencedMessage message, long routedAt, List<Header> trace) {
        byte[] value = WireJson.toBytes(RoutedMessage.batch(users, message, routedAt));
        if (size(key, value, trace) <= topics.maxFanoutRecordBytes()) {
            records.add(new ProducerRecord<>(topics.routed(), partition, key, value, trace));
            return;
        }
        if (users.size() == 1) {
            throw new RecipientTooLargeException(value.length, topics.maxFanoutRecordBytes());
        }
        int half = users.size() / 2;
        addBatches(records, partition, key, users.subList(0, half), message, routedAt, trace);
        addBatches(records, partition, key, users.subList(half, users.size()), message, routedAt, trace);
    }

    private static int size(String key, byte[] value, List<Header> headers) {
        int size = value.length + (key == null ? 0 : key.getBytes(StandardCharsets.UTF_8).length);
        for (Header h : headers) {
            size += h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        return size;
    }

    /** The same task, value unchanged, at the next page; to the task topic partition the fan-out started on. */
    private ProducerRecord<String, byte[]> continuation(TaskRecord task, Position next) {
        RecordHeaders headers = new RecordHeaders(task.record().headers().toArray());
        RetryHeaders.removeAll(headers);
        FanoutHeaders.put(headers, next);
        Integer partition = task.originPartition() >= 0 ? task.originPartition() : null;
        return new ProducerRecord<>(topics.task(), partition, task.record().key(), task.record().value(), headers);
    }

    /**
     * Writes a page in a span that continues the task's trace ({@code traceparent} header); each routed record (and
     * the continuation) carries that span's context, so the whole fan-out shares the message's trace id. Without a
     * tracer the task's own context is passed on as it is.
     */
    private <T> T inTraceOf(TaskRecord task, Function<List<Header>, T> work) {
        Headers headers = new RecordHeaders(task.record().headers().toArray());
        if (tracing == null) {
            return work.apply(traceContext(headers));
        }
        Span span = tracing.hop(SPAN, headers);
        try (Tracer.SpanInScope scope = tracing.tracer().withSpan(span)) {
            return work.apply(traceContext(headers));
        } catch (RuntimeException e) {
            span.error(e);
            throw e;
        } finally {
            span.end();
        }
    }

    private static List<Header> traceContext(Headers headers) {
        List<Header> context = new ArrayList<>(2);
        for (String name : new String[] {ImHeaders.TRACEPARENT, ImHeaders.TRACESTATE}) {
            Header h = headers.lastHeader(name);
            if (h != null) {
                context.add(h);
            }
        }
        return context;
    }

    /** The projection does not know the group (yet). */
    public static class UnknownGroupException extends RuntimeException {
        public UnknownGroupException(String groupId) {
            super("group " + groupId + " is not in the group_members projection");
        }
    }

    /** A routed record for a single recipient would still exceed the limit: the message itself is too large. */
    public static class RecipientTooLargeException extends RuntimeException {
        public RecipientTooLargeException(int bytes, int limit) {
            super("a routed record for one recipient has " + bytes + " bytes; the limit is " + limit
                    + " (im.worker.fanout.max-record-bytes)");
        }
    }
}
