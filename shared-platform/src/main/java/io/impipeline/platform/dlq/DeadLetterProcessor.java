package io.impipeline.platform.dlq;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.impipeline.model.dlq.DeadLetter;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.model.dlq.RejectedRecordException;
import io.impipeline.model.dlq.DeadLetterHeaders.Origin;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dead-letter branch of a topology: turns a {@link DeadLetter} into the original value with the dead-letter
 * headers, to be written with {@code to(dlqTopic)} in the same exactly-once transaction as the rest of the
 * topology. When the record no longer comes from {@code originalTopic} (after a repartition), the original topic
 * is still named, with partition and offset -1, so that a replay goes back to the right input.
 */
public final class DeadLetterProcessor<K> implements Processor<K, DeadLetter, K, byte[]> {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterProcessor.class);
    public static final String METRIC = "im.dead_letters.written";

    private final String stage;
    private final String originalTopic;
    private final MeterRegistry meters;
    private ProcessorContext<K, byte[]> context;

    private DeadLetterProcessor(String stage, String originalTopic, MeterRegistry meters) {
        this.stage = stage;
        this.originalTopic = originalTopic;
        this.meters = meters;
    }

    public static <K> ProcessorSupplier<K, DeadLetter, K, byte[]> supplier(String stage, String originalTopic,
                                                                          MeterRegistry meters) {
        return () -> new DeadLetterProcessor<>(stage, originalTopic, meters);
    }

    @Override
    public void init(ProcessorContext<K, byte[]> context) {
        this.context = context;
    }

    /** At most this many WARN lines per second per app; the rest are counted only. */
    private static final int WARN_LINES_PER_SECOND = 5;
    private static final AtomicLong WARN_SECOND = new AtomicLong();
    private static final AtomicInteger WARN_LINES = new AtomicInteger();

    private static boolean mayWarn() {
        long second = System.currentTimeMillis() / 1000;
        if (WARN_SECOND.getAndSet(second) != second) {
            WARN_LINES.set(0);
        }
        return WARN_LINES.incrementAndGet() <= WARN_LINES_PER_SECOND;
    }

    @Override
    public void process(Record<K, DeadLetter> record) {
        DeadLetter letter = record.value();
        RecordMetadata meta = context.recordMetadata().orElse(null);
        boolean fromSource = meta != null && originalTopic.equals(meta.topic());
        Origin origin = new Origin(originalTopic, fromSource ? meta.partition() : -1, fromSource ? meta.offset() : -1,
                record.timestamp());
        // The dead letter's own timestamp is when it failed; the original time travels in kafka_dlt-original-timestamp.
        Record<K, byte[]> out = record.withValue(letter.value()).withTimestamp(System.currentTimeMillis());
        DeadLetterHeaders.stamp(out.headers(), origin, stage, letter.rejection().reason(), letter.exceptionClass(),
                letter.rejection().detail());
        // Reason and position at WARN (a flood of bad input is rate-limited: the counter below stays exact); the
        // detail only at DEBUG, since an exception's message may quote what the sender wrote.
        if (mayWarn()) {
            log.warn("dead letter stage={} reason={} topic={} partition={} offset={} exception={}", stage,
                    letter.rejection().reason(), origin.topic(), origin.partition(), origin.offset(),
                    letter.exceptionClass());
        }
        log.debug("dead letter stage={} reason={} detail={}", stage, letter.rejection().reason(),
                letter.rejection().detail());
        if (meters != null) {
            Counter.builder(METRIC).tag("stage", stage).tag("reason", letter.rejection().reason().name())
                    .register(meters).increment();
        }
        context.forward(out);
    }
}
