package io.impipeline.model.dlq;

import io.impipeline.model.codec.Rejection;

/** Thrown where a listener refuses a record for a known reason, so that the recoverer can dead-letter it with it. */
public class RejectedRecordException extends RuntimeException {

    private final transient Rejection rejection;

    public RejectedRecordException(Rejection rejection) {
        super(rejection.reason() + ": " + rejection.detail());
        this.rejection = rejection;
    }

    public Rejection rejection() {
        return rejection;
    }
}
