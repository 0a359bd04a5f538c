package io.impipeline.worker.fanout;

import java.util.ArrayList;
import java.util.List;

import io.impipeline.model.codec.Decoded;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.Rejection;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.dlq.RejectedRecordException;
import io.impipeline.model.wire.GroupMembership;
import io.impipeline.platform.dlq.DeadLetterPublishers;
import io.impipeline.worker.batch.DataErrors;
import io.impipeline.worker.batch.Outages;
import io.impipeline.worker.batch.WorkerMetrics;
import io.impipeline.worker.settings.ListenerFactories;
import io.impipeline.worker.settings.WorkerTopics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Keeps the {@code group_members} projection from {@code im-group-topic}. Never blocks on a record: a record that
 * does not validate, or that PostgreSQL refuses (a NUL character in an id: SQLSTATE 22021), is dead-lettered to
 * {@code im-group-topic-dlq} with a reason ({@code im_dlt-stage=task-worker}) and the next records are applied. Only
 * an outage (PostgreSQL or the broker down) stops the poll, which is then retried until it is back.
 *
 * <p>A poll is applied in one database transaction; if that fails for a reason other than an outage, it is applied
 * again record by record, each in its own transaction, so that only the record at fault is dead-lettered. Dead
 * letters go out in the poll's Kafka transaction, with its offsets. A tombstone deletes the group.
 */
public class GroupMembershipListener {

    private static final Logger log = LoggerFactory.getLogger(GroupMembershipListener.class);

    /** A record to apply: a group, or a tombstone ({@code group} null). */
    private record Change(ConsumerRecord<String, byte[]> record, GroupMembership group) {
    }

    private final GroupMembersStore store;
    private final WireValidator validator;
    private final TransactionTemplate transaction;
    private final WorkerMetrics metrics;
    private final DeadLetterPublishingRecoverer deadLetters;

    public GroupMembershipListener(GroupMembersStore store, WireValidator validator, TransactionTemplate transaction,
                                   WorkerMetrics metrics, KafkaOperations<String, byte[]> template,
                                   WorkerTopics topics) {
        this.store = store;
        this.validator = validator;
        this.transaction = transaction;
        this.metrics = metrics;
        this.deadLetters = DeadLetterPublishers.recoverer(template, WorkerMetrics.STAGE, topics.dlqSuffix(),
                failure -> DataErrors.isDataError(failure) ? ReasonCode.INVALID_FIELD : ReasonCode.PROCESSING_ERROR,
                metrics.registry());
    }

    @KafkaListener(id = "group-projection", topics = "#{@workerTopics.group()}",
            groupId = "#{@workerTopics.projectionGroup()}", containerFactory = ListenerFactories.BATCH)
    public void onGroups(List<ConsumerRecord<String, byte[]>> records) {
        List<Change> changes = decode(records);
        List<String> outcomes;
        try {
            outcomes = transaction.execute(status -> changes.stream().map(this::apply).toList());
        } catch (RuntimeException e) {
            if (Outages.isOutage(e)) {
                throw e;
            }
            log.warn("group projection: a poll of {} changes failed ({}); applying them one by one", changes.size(),
                    e.getClass().getSimpleName());
            outcomes = oneByOne(changes);
        }
        outcomes.forEach(metrics::groupUpdate);
    }

    private List<Change> decode(List<ConsumerRecord<String, byte[]>> records) {
        List<Change> changes = new ArrayList<>(records.size());
        for (ConsumerRecord<String, byte[]> record : records) {
            if (record.value() == null) {
                if (record.key() != null) {
                    changes.add(new Change(record, null));
                }
                continue;
            }
            Decoded<GroupMembership> group = validator.decodeGroup(record.value());
            if (group.isValid() && !group.value().groupId().equals(record.key())) {
                // The router's group table keeps a record under its key: applied here under its group_id, the two
                // views of the groups would disagree (the router calls the group unknown, the worker fans out).
                metrics.groupUpdate("invalid");
                deadLetter(record, Rejection.of(ReasonCode.INVALID_FIELD, "the record key must be the group_id"));
            } else if (group.isValid()) {
                changes.add(new Change(record, group.value()));
            } else {
                // The router's global table skips such a record with a log line; the dead letter is written here.
                metrics.groupUpdate("invalid");
                deadLetter(record, group.rejection());
            }
        }
        return changes;
    }

    private List<String> oneByOne(List<Change> changes) {
        List<String> outcomes = new ArrayList<>(changes.size());
        for (Change change : changes) {
            try {
                outcomes.add(transaction.execute(status -> apply(change)));
            } catch (RuntimeException e) {
                if (Outages.isOutage(e)) {
                    throw e;
                }
                outcomes.add("invalid");
                deadLetter(change.record(), DataErrors.isDataError(e)
                        ? DataErrors.rejection("the group record", e)
                        : Rejection.of(ReasonCode.PROCESSING_ERROR, "cannot apply the group record: " + e));
            }
        }
        return outcomes;
    }

    private String apply(Change change) {
        if (change.group() == null) {
            store.delete(change.record().key());
            return "deleted";
        }
        return store.replace(change.group()) ? "applied" : "stale";
    }

    private void deadLetter(ConsumerRecord<String, byte[]> record, Rejection rejection) {
        log.warn("dead letter stage={} reason={} topic={} partition={} offset={} detail={}", WorkerMetrics.STAGE,
                rejection.reason(), record.topic(), record.partition(), record.offset(), rejection.detail());
        deadLetters.accept(record, null, new RejectedRecordException(rejection));
        metrics.deadLetter(rejection.reason());
    }
}
