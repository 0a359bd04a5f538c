package io.impipeline.model.codec;

/**
 * The result of decoding wire bytes: a valid record or a rejection. Decoding never throws, so a poison record can
 * be branched to a dead-letter topic inside the topology instead of killing a stream thread.
 */
public sealed interface Decoded<T> {

    static <T> Decoded<T> valid(T value) {
        return new Valid<>(value);
    }

    static <T> Decoded<T> rejected(ReasonCode reason, String detail) {
        return new Rejected<>(new Rejection(reason, detail));
    }

    boolean isValid();

    /** The record; throws {@link IllegalStateException} on a rejection. */
    T value();

    /** The rejection; throws {@link IllegalStateException} on a valid record. */
    Rejection rejection();


    record Valid<T>(T value) implements Decoded<T> {
        @Override
        public boolean isValid() {
            return true;
        }

        @Override
        public Rejection rejection() {
            throw new IllegalStateException("valid record has no rejection");
        }
    }

    record Rejected<T>(Rejection rejection) implements Decoded<T> {
        @Override
        public boolean isValid() {
            return false;
        }

        @Override
        public T value() {
            throw new IllegalStateException("rejected record: " + rejection.reason() + " " + rejection.detail());
        }
    }
}
