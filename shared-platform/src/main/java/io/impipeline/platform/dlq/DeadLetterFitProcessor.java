package io.impipeline.platform.dlq;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The last step before a DLQ topic in a topology, after {@link DeadLetterProcessor}: a dead letter that does not fit
 * the producer is cut by {@link DeadLetterFit}; one that fits goes on untouched.
 */
public final class DeadLetterFitProcessor implements Processor<String, byte[], String, byte[]> {

    private final DeadLetterFit fit;
    private final String dlqTopic;
    private ProcessorContext<String, byte[]> context;

    private DeadLetterFitProcessor(DeadLetterFit fit, String dlqTopic) {
        this.fit = fit;
        this.dlqTopic = dlqTopic;
    }

    public static ProcessorSupplier<String, byte[], String, byte[]> supplier(DeadLetterFit fit, String dlqTopic) {
        return () -> new DeadLetterFitProcessor(fit, dlqTopic);
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
        if (fit.fits(key, record.value(), record.headers())) {
            context.forward(record);
            return;
        }
        DeadLetterFit.Letter letter = fit.cut(dlqTopic, key, record.value(), record.headers());
        context.forward(new Record<>(letter.key() == null ? null : new String(letter.key(), StandardCharsets.UTF_8),
                letter.value(), record.timestamp(), letter.headers()));
    }
}
