package io.impipeline.platform.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Message trace ({@code im.trace.*}, issue 15): whether this app writes what it did with each message to
 * {@code im-trace-topic}, inside the transaction that did it. On by default; off saves the trace records' cost
 * (measured in docs/benchmarks.md) and leaves {@code GET /api/v1/trace} without this app's stages.
 *
 * @param enabled write trace events (default true)
 */
@ConfigurationProperties("im.trace")
public record TraceProperties(Boolean enabled) {

    public TraceProperties {
        enabled = enabled == null || enabled;
    }

    public boolean on() {
        return enabled;
    }
}
