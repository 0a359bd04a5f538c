package io.impipeline.router.topology;

import io.impipeline.model.dlq.DeadLetter;
import io.impipeline.router.metrics.RouterMetrics;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exception in a step while handling one record: counted ({@code outcome=failed}), logged at WARN with the step,
 * the exception class, where it was thrown and the record's coordinates, never the exception message or the
 * record (either may quote message content; the stack trace with the message is logged at DEBUG), and turned into a
 * {@code PROCESSING_ERROR} dead letter for the same transaction.
 */
final class StepFailure {

    private static final Logger log = LoggerFactory.getLogger(StepFailure.class);

    private StepFailure() {
    }

    /** @param context null where the step has none (value mappers): no coordinates then */
    static <T> Step<T> deadLetter(String step, byte[] value, RuntimeException e, RouterMetrics metrics,
                                  ProcessorContext<?, ?> context) {
        metrics.count(RouterMetrics.Outcome.FAILED);
        log.warn("step {} failed on record {}: {} at {}; dead-lettered as PROCESSING_ERROR", step, where(context),
                e.getClass().getName(), thrownAt(e));
        log.debug("step {} failure", step, e);
        return Step.dead(DeadLetter.failed(value, e));
    }

    static String where(ProcessorContext<?, ?> context) {
        return context == null ? "(no coordinates)" : context.recordMetadata()
                .map(m -> m.topic() + "-" + m.partition() + "@" + m.offset()).orElse("(punctuation)");
    }

    private static String thrownAt(Throwable e) {
        StackTraceElement[] frames = e.getStackTrace();
        return frames.length == 0 ? "(no stack)" : frames[0].toString();
    }
}
