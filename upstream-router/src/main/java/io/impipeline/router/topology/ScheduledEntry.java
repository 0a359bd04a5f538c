package io.impipeline.router.topology;

import io.impipeline.model.wire.UpstreamMessage;

/** A held message in the scheduled store, with the trace context it arrived with (restored on release). */
public record ScheduledEntry(UpstreamMessage message, String traceparent, long heldAt) {
}
