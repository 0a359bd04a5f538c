package io.impipeline.dlq.capture;

import java.util.ArrayList;
import java.util.List;

import io.impipeline.dlq.settings.TraceStoreProperties;
import io.impipeline.dlq.store.StoredTraceEvent;
import io.impipeline.dlq.store.TraceRepository;
import io.impipeline.platform.support.LogLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Materialises {@code im-trace-topic} into {@code trace_events} (issue 15): a batch per poll, one JDBC batch in one
 * transaction, offsets committed afterwards; a redelivered event conflicts on its coordinates and is stored once.
 * Reads {@code read_committed}: the apps write trace events inside their exactly-once transactions, and an aborted
 * one never happened.
 *
 * <p>The topic's events are kept in unlogged tables (no WAL; docs/dlq-handler.md), which PostgreSQL's crash recovery
 * empties. The store then finds a partition it has stored before without progress ({@link TraceRepository#store}):
 * this listener reads that partition again from its start, logs it and counts it in {@value #REBUILDS}.
 *
 * <p>Never blocks on a record: one that is no storable trace event ({@link TraceRecords}) is logged (partition,
 * offset and why; never its content), counted in {@value #UNREADABLE} and skipped. A batch PostgreSQL refuses for
 * another reason than an outage is stored record by record and what is still refused is skipped the same way; only an
 * outage ({@link StoreFailures}) throws the batch back to the container, which retries it with back-off.
 */
@Component
public class TraceCaptureListener {

    public static final String LISTENER_ID = "dlq-trace";
    /** Trace records that could not be stored (unreadable or refused by PostgreSQL), skipped. */
    public static final String UNREADABLE = "im.trace.unreadable";
    /** Trace events stored. */
    public static final String STORED = "im.trace.stored";
    /** Trace partitions read again from their start because the store had lost them (crash recovery). */
    public static final String REBUILDS = "im.trace.rebuilds";
    private static final Logger log = LoggerFactory.getLogger(TraceCaptureListener.class);

    private final TraceRepository repository;
    private final TransactionTemplate tx;
    private final int maxDetailBytes;
    private final Counter unreadable;
    private final Counter stored;
    private final Counter rebuilds;
    private final LogLimiter logLimiter;

    public TraceCaptureListener(TraceRepository repository, TransactionTemplate tx, TraceStoreProperties trace,
                                MeterRegistry meters) {
        this.repository = repository;
        this.tx = tx;
        this.maxDetailBytes = trace.maxDetailBytes();
        this.logLimiter = new LogLimiter(trace.logInterval());
        this.unreadable = Counter.builder(UNREADABLE)
                .description("Records of the trace topic that are no storable trace event; logged and skipped")
                .register(meters);
        this.stored = Counter.builder(STORED).description("Trace events stored").register(meters);
        this.rebuilds = Counter.builder(REBUILDS)
                .description("Trace partitions read again from their start: the store had lost them (crash recovery)")
                .register(meters);
    }

    @KafkaListener(id = LISTENER_ID,
            topics = "#{@imTopicsProperties.name(T(io.impipeline.model.topics.TopicKind).TRACE)}",
            containerFactory = "traceListenerFactory", batch = "true", idIsGroup = false)
    public void capture(List<ConsumerRecord<byte[], byte[]>> records, Consumer<?, ?> consumer) {
        List<StoredTraceEvent> events = new ArrayList<>(records.size());
        for (ConsumerRecord<byte[], byte[]> record : records) {
            TraceRecords.Result r = TraceRecords.read(record, maxDetailBytes);
            if (r.readable()) {
                events.add(r.event());
            } else {
                skip(record, r.problem());
            }
        }
        if (events.isEmpty()) {
            return;
        }
        TraceRepository.Stored result;
        try {
            result = tx.execute(status -> repository.store(events));
        } catch (RuntimeException e) {
            if (StoreFailures.isOutage(e)) {
                log.warn("trace events not stored: PostgreSQL unavailable, the batch is retried until it is back "
                        + "records={} error={}", events.size(), StoreFailures.summary(e));
                throw e;
            }
            log.warn("trace batch refused by PostgreSQL, storing its events one by one records={} error={}",
                    events.size(), StoreFailures.summary(e));
            List<TraceRepository.TraceSource> lost = new ArrayList<>();
            events.forEach(event -> lost.addAll(storeOne(event)));
            rebuild(lost.stream().distinct().toList(), consumer);
            return;
        }
        if (result == null) {
            return;
        }
        stored.increment(result.events());
        rebuild(result.lost(), consumer);
    }

    /** Reads these partitions again from their start (on the next poll): the store lost what it had of them. */
    private void rebuild(List<TraceRepository.TraceSource> lost, Consumer<?, ?> consumer) {
        if (lost.isEmpty()) {
            return;
        }
        List<TopicPartition> partitions = lost.stream().map(s -> new TopicPartition(s.topic(), s.partition()))
                .toList();
        consumer.seekToBeginning(partitions);
        rebuilds.increment(partitions.size());
        log.warn("trace store had lost these partitions (PostgreSQL crash recovery empties its unlogged tables): "
                + "storing them again from their start partitions={}", partitions);
    }

    /** Stores one event; the partition when the store had lost it (see {@link #rebuild}). */
    private List<TraceRepository.TraceSource> storeOne(StoredTraceEvent event) {
        try {
            TraceRepository.Stored one = tx.execute(status -> repository.store(List.of(event)));
            if (one == null) {
                return List.of();
            }
            stored.increment(one.events());
            return one.lost();
        } catch (RuntimeException e) {
            if (StoreFailures.isOutage(e)) {
                throw e;
            }
            unreadable.increment();
            long suppressed = logLimiter.permit("refused");
            if (suppressed >= 0) {
                log.warn("trace event refused by PostgreSQL, skipped partition={} offset={} error={} "
                                + "suppressed_since_last={}", event.partition(), event.offset(),
                        StoreFailures.summary(e), suppressed);
            }
            return List.of();
        }
    }

    private void skip(ConsumerRecord<byte[], byte[]> record, String problem) {
        unreadable.increment();
        long suppressed = logLimiter.permit("unreadable");
        if (suppressed >= 0) {
            log.warn("unreadable trace record skipped topic={} partition={} offset={} problem={} "
                            + "suppressed_since_last={}", record.topic(), record.partition(), record.offset(), problem,
                    suppressed);
        }
    }
}
