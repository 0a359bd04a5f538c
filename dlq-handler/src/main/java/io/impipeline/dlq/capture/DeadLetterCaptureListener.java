package io.impipeline.dlq.capture;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.impipeline.dlq.letter.Bytes;
import io.impipeline.dlq.letter.CapturedDeadLetter;
import io.impipeline.dlq.letter.StoredHeader;
import io.impipeline.dlq.settings.DlqProperties;
import io.impipeline.dlq.store.DeadLetterRepository;
import io.impipeline.dlq.store.TraceRepository;
import io.impipeline.dlq.store.TraceRepository.DlqCoordinates;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.trace.RoutedHeader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Stores every record of every dead-letter topic once, and never stops on one: a batch is written in one
 * transaction and its offsets are committed only afterwards, so a crash or a database outage redelivers the batch,
 * and the unique DLQ coordinates make the second write a no-op: each dead letter is logged and counted once, when it
 * is first stored.
 *
 * <p>When PostgreSQL refuses a batch for another reason than an outage (something in a record), the batch is stored
 * one record per transaction; a record still refused after {@code record-attempts} is stored as its coordinates only
 * (reason {@value CapturedDeadLetter#CAPTURE_FAILED}, with the error), and should even that be refused, it is logged
 * at ERROR, counted in {@value DeadLetterMetrics#UNSTORED} and skipped. Only an outage (see {@link StoreFailures})
 * holds the partitions: the batch is thrown back to the container's error handler and retried until PostgreSQL is
 * back.
 *
 * <p>A dead letter whose value names its message ({@code message_id} and {@code from_user_id}, see
 * {@code MessageIds}) gets a {@code dead_lettered} row in {@code trace_events} in the transaction that stores it
 * (issue 15), so the message's trace shows it exactly when it is stored.
 */
@Component
public class DeadLetterCaptureListener {

    public static final String LISTENER_ID = "dlq-capture";
    public static final String METRIC = DeadLetterMetrics.STORED;
    private static final Logger log = LoggerFactory.getLogger(DeadLetterCaptureListener.class);
    private static final long TRANSIENT_PAUSE_MS = 100;

    private final DeadLetterRepository repository;
    private final TraceRepository traces;
    private final TransactionTemplate tx;
    private final DeadLetterMetrics metrics;
    private final DeadLetterLog deadLetterLog;
    private final int recordAttempts;

    public DeadLetterCaptureListener(DeadLetterRepository repository, TraceRepository traces, TransactionTemplate tx,
                                     DeadLetterMetrics metrics, DeadLetterLog deadLetterLog, DlqProperties dlq) {
        this.repository = repository;
        this.traces = traces;
        this.tx = tx;
        this.metrics = metrics;
        this.deadLetterLog = deadLetterLog;
        this.recordAttempts = dlq.capture().recordAttempts();
    }

    @KafkaListener(id = LISTENER_ID, topicPattern = "#{@deadLetterTopics.pattern()}",
            containerFactory = "deadLetterListenerFactory", batch = "true", idIsGroup = false)
    public void capture(List<ConsumerRecord<byte[], byte[]>> records) {
        List<CapturedDeadLetter> letters = records.stream().map(DeadLetterCaptureListener::decode).toList();
        boolean[] inserted;
        try {
            inserted = tx.execute(status -> {
                boolean[] ins = repository.insertAll(letters);
                traces.deadLettered(traceable(letters, ins));
                return ins;
            });
        } catch (RuntimeException e) {
            if (StoreFailures.isOutage(e)) {
                throw outage(e, letters.size());
            }
            log.warn("dead-letter batch refused by PostgreSQL, storing its records one by one records={} error={}",
                    letters.size(), StoreFailures.summary(e));
            letters.forEach(this::storeOne);
            return;
        }
        for (int i = 0; i < letters.size(); i++) {
            if (inserted != null && inserted[i]) {
                stored(letters.get(i));
            }
        }
    }

    /** One record in its own transaction(s): in full, else its coordinates, else logged, counted and skipped. */
    private void storeOne(CapturedDeadLetter d) {
        RuntimeException last = null;
        for (int attempt = 1; attempt <= recordAttempts; attempt++) {
            try {
                insert(d);
                return;
            } catch (RuntimeException e) {
                if (StoreFailures.isOutage(e)) {
                    throw outage(e, 1);
                }
                last = e;
                if (!StoreFailures.isTransient(e) || attempt == recordAttempts) {
                    break;
                }
                pause(attempt);
            }
        }
        log.error("dead letter refused by PostgreSQL, storing its coordinates only (reason CAPTURE_FAILED) "
                        + "dlq_topic={} partition={} offset={} error={}", d.dlqTopic(), d.dlqPartition(), d.dlqOffset(),
                StoreFailures.summary(last));
        String error = StoreFailures.describe(last);
        for (boolean withBytes : new boolean[] {true, false}) {
            try {
                insert(d.minimal(error, withBytes));
                return;
            } catch (RuntimeException e) {
                if (StoreFailures.isOutage(e)) {
                    throw outage(e, 1);
                }
                last = e;
            }
        }
        log.error("dead letter LOST: PostgreSQL refused even its coordinates; skipped, it is still in its topic until "
                        + "retention dlq_topic={} partition={} offset={} error={}", d.dlqTopic(), d.dlqPartition(),
                d.dlqOffset(), StoreFailures.summary(last), last);
        metrics.unstored();
    }

    private void insert(CapturedDeadLetter d) {
        Boolean inserted = tx.execute(status -> {
            boolean ins = repository.insert(d);
            traces.deadLettered(traceable(List.of(d), new boolean[] {ins}));
            return ins;
        });
        if (Boolean.TRUE.equals(inserted)) {
            stored(d);
        }
    }

    /**
     * The letters just stored whose value named a message (message_id and from_user_id): each gets a
     * {@code dead_lettered} trace row in the transaction that stored it.
     */
    private static List<DlqCoordinates> traceable(List<CapturedDeadLetter> letters, boolean[] inserted) {
        List<DlqCoordinates> out = new ArrayList<>();
        for (int i = 0; i < letters.size(); i++) {
            CapturedDeadLetter d = letters.get(i);
            if (inserted[i] && d.ids().messageId() != null && d.ids().fromUserId() != null) {
                out.add(new DlqCoordinates(d.dlqTopic(), d.dlqPartition(), d.dlqOffset(), carriedRouted(d)));
            }
        }
        return out;
    }

    /**
     * The router's {@code routed} stage the dead routed record carried ({@link RoutedHeader}: the dispatcher keeps it
     * on a dead letter), as JSON for the {@code dead_lettered} event to carry; null when it carries none that reads.
     * Without it, a message whose carrier was dead-lettered would show no {@code routed} stage at all. One with a
     * string PostgreSQL cannot store (NUL, an unpaired surrogate: JSON escapes can say them) is left out, so that it
     * never costs the dead letter its row.
     */
    private static String carriedRouted(CapturedDeadLetter d) {
        StoredHeader header = null;
        for (StoredHeader h : d.headers()) {
            if (RoutedHeader.HEADER.equals(h.name()) && h.nameBase64() == null) {
                header = h;
            }
        }
        Map<String, Object> facts = header == null ? null : RoutedHeader.facts(header.bytes());
        return facts == null || !storable(facts) ? null : WireJson.mapper().writeValueAsString(facts);
    }

    private static boolean storable(Object value) {
        if (value instanceof String s) {
            return Bytes.storable(s);
        }
        if (value instanceof Map<?, ?> map) {
            return map.entrySet().stream().allMatch(e -> storable(e.getKey()) && storable(e.getValue()));
        }
        if (value instanceof List<?> list) {
            return list.stream().allMatch(DeadLetterCaptureListener::storable);
        }
        return true;
    }

    private void stored(CapturedDeadLetter d) {
        deadLetterLog.stored(d);
        metrics.stored(d);
    }

    private static RuntimeException outage(RuntimeException e, int records) {
        // Thrown on to the container's error handler, which retries the batch with back-off until it is stored.
        log.warn("dead letters not stored: PostgreSQL unavailable, the batch is retried until it is back records={} "
                + "error={}", records, StoreFailures.summary(e));
        return e;
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(TRANSIENT_PAUSE_MS * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
}
