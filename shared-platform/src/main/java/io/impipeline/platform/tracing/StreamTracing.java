package io.impipeline.platform.tracing;

import java.nio.charset.StandardCharsets;

import io.impipeline.model.ImHeaders;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * W3C trace context for Kafka Streams hops, which Micrometer's Kafka observation does not cover: continues the
 * trace found in a record's headers (or starts one), opens a span for this hop and writes the new context back
 * into the headers. Kafka Streams carries a record's headers to every record derived from it, so each output of
 * the hop carries the same trace.
 */
public final class StreamTracing {

    private final Tracer tracer;
    private final Propagator propagator;

    public StreamTracing(Tracer tracer, Propagator propagator) {
        this.tracer = tracer;
        this.propagator = propagator;
    }

    /** Starts this hop's span as a child of the headers' context (a new trace when there is none); end it. */
    public Span hop(String name, Headers headers) {
        Span span = propagator.extract(headers, StreamTracing::get)
                .name(name)
                .kind(Span.Kind.CONSUMER)
                .start();
        headers.remove(ImHeaders.TRACEPARENT);
        headers.remove(ImHeaders.TRACESTATE);
        propagator.inject(span.context(), headers,
                (carrier, key, value) -> carrier.add(key, value.getBytes(StandardCharsets.UTF_8)));
        return span;
    }

    public Tracer tracer() {
        return tracer;
    }

    /** The trace id of a W3C {@code traceparent} header; see {@link ImHeaders#traceId(Headers)}. */
    public static String traceId(Headers headers) {
        return ImHeaders.traceId(headers);
    }

    private static String get(Headers headers, String key) {
        Header h = headers.lastHeader(key);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
