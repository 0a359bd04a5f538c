package io.impipeline.worker.fanout;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.wire.GroupFanoutPayload;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.TaskType;
import io.impipeline.platform.tracing.StreamTracing;
import io.impipeline.worker.batch.FailedTasks;
import io.impipeline.worker.batch.Outages;
import io.impipeline.worker.batch.TaskRecord;
import io.impipeline.worker.batch.WorkerMetrics;
import io.impipeline.worker.batch.WorkerMetrics.Outcome;
import io.impipeline.worker.config.WorkerProperties;
import io.impipeline.worker.config.WorkerTopics;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code group_fanout}: one {@link RoutedMessage} per member of the group (keyed by the member, to
 * {@code im-routed-topic}), except {@code exclude_user_ids}, read from the projection page by page
 * ({@code batch_size}) in one read-only snapshot. The records are sent in the batch's Kafka transaction: a crash or
 * failure half-way aborts it, the offsets are not committed, and the whole fan-out is redone; read_committed
 * consumers (the dispatcher) never see the partial one. Hence: no member lost, no duplicates.
 */
public class FanoutStep {

    private static final Logger log = LoggerFactory.getLogger(FanoutStep.class);
    private static final String TYPE = TaskType.GROUP_FANOUT.wireName();
    private static final String SPAN = "group-fanout";

    private final GroupMembersStore members;
    private final KafkaOperations<String, byte[]> template;
    private final WorkerTopics topics;
    private final WorkerProperties.Fanout settings;
    private final TransactionTemplate snapshot;
    private final FanoutPageListener pageListener;
    private final WorkerMetrics metrics;
    private final Clock clock;
    private final StreamTracing tracing;

    /** @param tracing null when tracing is off */
    public FanoutStep(GroupMembersStore members, KafkaOperations<String, byte[]> template, WorkerTopics topics,
                      WorkerProperties.Fanout settings, TransactionTemplate snapshot, FanoutPageListener pageListener,
                      WorkerMetrics metrics, Clock clock, StreamTracing tracing) {
        this.members = members;
        this.template = template;
        this.topics = topics;
        this.settings = settings;
        this.snapshot = snapshot;
        this.pageListener = pageListener;
        this.metrics = metrics;
        this.clock = clock;
        this.tracing = tracing;
    }

    public void fanOut(TaskRecord task, FailedTasks failed) {
        GroupFanoutPayload payload;
        try {
            payload = task.task().groupFanoutPayload();
            if (!members.exists(payload.groupId())) {
                // The projection may lag behind the router: worth a retry, then the DLQ.
                failed.retry(task, new UnknownGroupException(payload.groupId()));
                return;
            }
        } catch (RuntimeException e) {
            if (Outages.isOutage(e)) {
                throw e;
            }
            failed.retry(task, e);
            return;
        }
        // From the first send on, any exception must leave this method: the transaction is aborted and the task
        // redone. Catching it here would commit a partial fan-out next to its retry.
        Long sent = inTraceOf(task, trace -> snapshot.execute(status -> sendPages(payload, trace)));
        long count = sent == null ? 0 : sent;
        metrics.fanoutRecords(count);
        metrics.task(TYPE, Outcome.FANNED_OUT, 1);
        log.info("fan-out done group_id={} message_id={} records={}", payload.groupId(), payload.messageId(), count);
    }

    /**
     * Runs the fan-out in a span that continues the task's trace ({@code traceparent} header); each routed record
     * carries that span's context, so the whole fan-out shares the message's trace id. Without a tracer the task's
     * own context is passed on as it is.
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

    private long sendPages(GroupFanoutPayload payload, List<Header> trace) {
        Set<String> excluded = payload.excludeUserIds() == null ? Set.of() : new HashSet<>(payload.excludeUserIds());
        int pageSize = settings.pageSize(payload.batchSize());
        long routedAt = clock.millis();
        String after = "";
        long sent = 0;
        int page = 0;
        List<String> userIds;
        do {
            userIds = members.page(payload.groupId(), after, pageSize);
            for (String userId : userIds) {
                if (!excluded.contains(userId)) {
                    RoutedMessage routed = RoutedMessage.to(userId, payload.message(), false, routedAt);
                    template.send(new ProducerRecord<>(topics.routed(), null, userId, WireJson.toBytes(routed),
                            trace));
                    sent++;
                }
            }
            if (!userIds.isEmpty()) {
                after = userIds.get(userIds.size() - 1);
                pageListener.afterPage(payload.groupId(), payload.messageId(), ++page, sent);
            }
        } while (userIds.size() == pageSize);
        return sent;
    }

    /** The projection does not know the group (yet). */
    public static class UnknownGroupException extends RuntimeException {
        public UnknownGroupException(String groupId) {
            super("group " + groupId + " is not in the group_members projection");
        }
    }
}
