package io.impipeline.platform.tracing;

import io.impipeline.model.ImHeaders;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.otel.bridge.OtelBaggageManager;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StreamTracingTest {

    private final StreamTracing tracing = otel();

    private static StreamTracing otel() {
        var provider = SdkTracerProvider.builder().build();
        var otelTracer = provider.get("test");
        var context = new OtelCurrentTraceContext();
        var tracer = new OtelTracer(otelTracer, context, event -> { },
                new OtelBaggageManager(context, List.of(), List.of()));
        var propagator = new OtelPropagator(ContextPropagators.create(W3CTraceContextPropagator.getInstance()),
                otelTracer);
        return new StreamTracing(tracer, propagator);
    }

    @Test
    void anIncomingTraceparentIsContinuedWithANewSpan() {
        String incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        RecordHeaders headers = new RecordHeaders();
        headers.add(ImHeaders.TRACEPARENT, incoming.getBytes(StandardCharsets.UTF_8));

        Span span = tracing.hop("route", headers);
        span.end();

        assertThat(StreamTracing.traceId(headers)).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(headers.headers(ImHeaders.TRACEPARENT)).hasSize(1);
        assertThat(new String(headers.lastHeader(ImHeaders.TRACEPARENT).value(), StandardCharsets.UTF_8))
                .isNotEqualTo(incoming).contains(span.context().spanId());
    }

    @Test
    void aRecordWithoutTraceContextStartsANewTrace() {
        RecordHeaders headers = new RecordHeaders();
        Span span = tracing.hop("route", headers);
        span.end();
        assertThat(StreamTracing.traceId(headers)).hasSize(32).isEqualTo(span.context().traceId());
    }
}
