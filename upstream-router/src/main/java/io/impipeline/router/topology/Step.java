package io.impipeline.router.topology;

import io.impipeline.model.dlq.DeadLetter;
import io.impipeline.model.trace.TraceEvent;

/**
 * What one step of the topology hands to the next: the value to go on with, or a dead letter that leaves the flow
 * for the DLQ topic (in the same transaction), or only a record of what the step did (a duplicate dropped, a message
 * held). A value may carry a {@link TraceEvent} too (accepted, masked, released); {@code RouterTopology.divert}
 * splits dead letters and trace events off to their sinks, so both are written in the transaction that did the work.
 * Trace events are null when {@code im.trace.enabled} is false ({@link RouterTraces}). Steps never throw.
 */
public sealed interface Step<T> {

    static <T> Step<T> pass(T value) {
        return new Pass<>(value, null);
    }

    /** @param trace what the step did with the message, or null (trace off, nothing to say) */
    static <T> Step<T> pass(T value, TraceEvent trace) {
        return new Pass<>(value, trace);
    }

    static <T> Step<T> dead(DeadLetter letter) {
        return new Dead<>(letter);
    }

    /** Nothing goes on; only the trace event leaves (never null: with trace off, forward nothing instead). */
    static <T> Step<T> traced(TraceEvent trace) {
        return new Traced<>(trace);
    }

    /** The trace event this step carries, or null. */
    default TraceEvent trace() {
        return null;
    }

    record Pass<T>(T value, TraceEvent trace) implements Step<T> {
    }

    record Dead<T>(DeadLetter letter) implements Step<T> {
    }

    record Traced<T>(TraceEvent trace) implements Step<T> {
    }
}
