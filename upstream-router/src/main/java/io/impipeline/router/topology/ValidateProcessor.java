package io.impipeline.router.topology;

import io.impipeline.model.codec.Decoded;
import io.impipeline.model.codec.Rejection;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.dlq.DeadLetter;
import io.impipeline.platform.tracing.StreamTracing;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.router.metrics.RouterMetrics;
import io.micrometer.tracing.Span;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Step 1: continues (or starts) the trace, decodes and validates the raw bytes, and applies the {@link Admission}
 * checks that need nothing but the message (unknown group, too large), before dedup remembers it. A rejection
 * becomes a dead letter with the original bytes and coordinates.
 */
final class ValidateProcessor implements Processor<String, byte[], String, Step<UpstreamMessage>> {

    static final String SPAN_NAME = "upstream-router";

    private final WireValidator validator;
    private final Admission admission;
    private final RouterMetrics metrics;
    private final StreamTracing tracing;
    private ProcessorContext<String, Step<UpstreamMessage>> context;

    ValidateProcessor(WireValidator validator, Admission admission, RouterMetrics metrics, StreamTracing tracing) {
        this.validator = validator;
        this.admission = admission;
        this.metrics = metrics;
        this.tracing = tracing;
    }

    @Override
    public void init(ProcessorContext<String, Step<UpstreamMessage>> context) {
        this.context = context;
        admission.init(context);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        Span span = tracing == null ? null : tracing.hop(SPAN_NAME, record.headers());
        try {
            Decoded<UpstreamMessage> decoded = validator.decodeUpstream(record.value());
            Rejection rejection = decoded.isValid() ? admission.check(decoded.value(), record.headers())
                    : decoded.rejection();
            if (rejection == null) {
                context.forward(record.withValue(Step.pass(decoded.value())));
            } else {
                metrics.invalid(rejection.reason());
                context.forward(record.withValue(Step.dead(DeadLetter.rejected(record.value(), rejection))));
            }
        } catch (RuntimeException e) {
            context.forward(record.withValue(StepFailure.deadLetter("validate", record.value(), e, metrics, context)));
        } finally {
            if (span != null) {
                span.end();
            }
        }
    }
}
