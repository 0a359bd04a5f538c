package io.impipeline.router.topology;

import io.impipeline.model.codec.Decoded;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.dlq.DeadLetter;
import io.impipeline.platform.tracing.StreamTracing;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.router.metrics.RouterMetrics;
import io.micrometer.tracing.Span;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** Step 1: continues (or starts) the trace, decodes and validates the raw bytes; a rejection becomes a dead letter. */
final class ValidateProcessor implements Processor<String, byte[], String, Step<UpstreamMessage>> {

    static final String SPAN_NAME = "upstream-router";

    private final WireValidator validator;
    private final RouterMetrics metrics;
    private final StreamTracing tracing;
    private ProcessorContext<String, Step<UpstreamMessage>> context;

    ValidateProcessor(WireValidator validator, RouterMetrics metrics, StreamTracing tracing) {
        this.validator = validator;
        this.metrics = metrics;
        this.tracing = tracing;
    }

    @Override
    public void init(ProcessorContext<String, Step<UpstreamMessage>> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        Span span = tracing == null ? null : tracing.hop(SPAN_NAME, record.headers());
        try {
            Decoded<UpstreamMessage> decoded = validator.decodeUpstream(record.value());
            if (decoded.isValid()) {
                context.forward(record.withValue(Step.pass(decoded.value())));
            } else {
                metrics.invalid(decoded.rejection().reason());
                context.forward(record.withValue(Step.dead(DeadLetter.rejected(record.value(), decoded.rejection()))));
            }
        } catch (RuntimeException e) {
            metrics.count(RouterMetrics.Outcome.FAILED);
            context.forward(record.withValue(Step.dead(DeadLetter.failed(record.value(), e))));
        } finally {
            if (span != null) {
                span.end();
            }
        }
    }
}
