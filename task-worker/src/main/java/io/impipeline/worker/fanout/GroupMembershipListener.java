package io.impipeline.worker.fanout;

import java.util.List;

import io.impipeline.model.codec.Decoded;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.wire.GroupMembership;
import io.impipeline.worker.config.KafkaConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Keeps the {@code group_members} projection from {@code im-group-topic}: each poll in one database
 * transaction; a tombstone deletes the group. An invalid group record is counted and skipped (the router, which
 * also reads the topic, reports it); PostgreSQL being down is retried until it is back.
 */
public class GroupMembershipListener {

    private static final Logger log = LoggerFactory.getLogger(GroupMembershipListener.class);
    static final String METRIC = "im.worker.group.updates";

    private final GroupMembersStore store;
    private final WireValidator validator;
    private final TransactionTemplate transaction;
    private final MeterRegistry meters;

    public GroupMembershipListener(GroupMembersStore store, WireValidator validator, TransactionTemplate transaction,
                                   MeterRegistry meters) {
        this.store = store;
        this.validator = validator;
        this.transaction = transaction;
        this.meters = meters;
    }

    @KafkaListener(id = "group-projection", topics = "#{@workerTopics.group()}",
            groupId = "#{@workerTopics.projectionGroup()}", containerFactory = KafkaConfiguration.BATCH_FACTORY)
    public void onGroups(List<ConsumerRecord<String, byte[]>> records) {
        transaction.executeWithoutResult(status -> records.forEach(this::apply));
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            if (record.key() != null) {
                store.delete(record.key());
                count("deleted");
            }
            return;
        }
        Decoded<GroupMembership> group = validator.decodeGroup(record.value());
        if (!group.isValid()) {
            log.warn("invalid group record skipped partition={} offset={} reason={} detail={}", record.partition(),
                    record.offset(), group.rejection().reason(), group.rejection().detail());
            count("invalid");
            return;
        }
        count(store.replace(group.value()) ? "applied" : "stale");
    }

    private void count(String outcome) {
        meters.counter(METRIC, "outcome", outcome).increment();
    }
}
