package io.impipeline.dlq.store;

/** Life of a stored dead letter: NEW until an operator replays or discards it. */
public enum DeadLetterStatus {
    NEW, REPLAYED, DISCARDED
}
