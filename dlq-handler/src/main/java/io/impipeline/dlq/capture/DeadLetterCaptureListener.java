package io.impipeline.dlq.capture;

import java.util.List;

import io.impipeline.dlq.store.DeadLetterRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Stores every record of every dead-letter topic once. A batch is written in one transaction and its offsets are
 * committed only afterwards, so a crash or a database outage redelivers the batch, and the unique DLQ coordinates
 * make the second write a no-op: each dead letter is logged and counted once, when it is first stored.
 */
@Component
public class DeadLetterCaptureListener {

    public static final String LISTENER_ID = "dlq-capture";
    public static final String METRIC = "im.dead_letters";
    private static final Logger log = LoggerFactory.getLogger(DeadLetterCaptureListener.class);
    private static final String UNKNOWN = "UNKNOWN";

    private final DeadLetterRepository repository;
    private final TransactionTemplate tx;
    private final MeterRegistry meters;

    public DeadLetterCaptureListener(DeadLetterRepository repository, TransactionTemplate tx, MeterRegistry meters) {
        this.repository = repository;
        this.tx = tx;
        this.meters = meters;
    }

    @KafkaListener(id = LISTENER_ID, topicPattern = "#{@deadLetterTopics.pattern()}",
            containerFactory = "deadLetterListenerFactory", batch = "true", idIsGroup = false)
    public void capture(List<ConsumerRecord<byte[], byte[]>> records) {
        List<CapturedDeadLetter> letters = records.stream().map(DeadLetterCaptureListener::decode).toList();
        boolean[] inserted = tx.execute(status -> repository.insertAll(letters));
        for (int i = 0; i < letters.size(); i++) {
            if (inserted != null && inserted[i]) {
                report(letters.get(i));
            }
        }
    }

    private static CapturedDeadLetter decode(ConsumerRecord<byte[], byte[]> record) {
        try {
            return CapturedDeadLetter.from(record);
        } catch (RuntimeException e) {
            log.error("dead letter could not be decoded, stored raw dlq_topic={} partition={} offset={}",
                    record.topic(), record.partition(), record.offset(), e);
            return CapturedDeadLetter.raw(record);
        }
    }

    private void report(CapturedDeadLetter d) {
        String reason = d.reason() == null ? UNKNOWN : d.reason();
        // Ids and reason only: the value may hold a user's message.
        log.warn("dead letter stored dlq_topic={} partition={} offset={} stage={} reason={} original_topic={} "
                        + "original_partition={} original_offset={} exception={}", d.dlqTopic(), d.dlqPartition(),
                d.dlqOffset(), d.stage(), reason, d.originalTopic(), d.originalPartition(), d.originalOffset(),
                d.exceptionClass());
        Counter.builder(METRIC).description("Dead letters stored, by dead-letter topic and reason")
                .tag("topic", d.dlqTopic()).tag("reason", reason).register(meters).increment();
    }
}
