package io.impipeline.router.topology;

import io.impipeline.model.dlq.DeadLetter;

/**
 * What one step of the topology hands to the next: the value to go on with, or a dead letter that leaves the flow
 * for the DLQ topic (in the same transaction). Steps never throw.
 */
public sealed interface Step<T> {

    static <T> Step<T> pass(T value) {
        return new Pass<>(value);
    }

    static <T> Step<T> dead(DeadLetter letter) {
        return new Dead<>(letter);
    }

    record Pass<T>(T value) implements Step<T> {
    }

    record Dead<T>(DeadLetter letter) implements Step<T> {
    }
}
