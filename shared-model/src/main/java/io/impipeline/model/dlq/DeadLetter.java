package io.impipeline.model.dlq;

import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.Rejection;

/**
 * A record on its way to a dead-letter topic inside a topology: the original value bytes, why, and the exception
 * class when an exception was the cause.
 */
public record DeadLetter(byte[] value, Rejection rejection, String exceptionClass) {

    public static DeadLetter rejected(byte[] value, Rejection rejection) {
        return new DeadLetter(value, rejection, null);
    }

    public static DeadLetter failed(byte[] value, Exception e) {
        return new DeadLetter(value, Rejection.of(ReasonCode.PROCESSING_ERROR, String.valueOf(e.getMessage())),
                e.getClass().getName());
    }
}
