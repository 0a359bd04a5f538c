package io.impipeline.model.codec;

/** Why a record was refused: a stable {@link ReasonCode} and a detail a person can read (never message content). */
public record Rejection(ReasonCode reason, String detail) {

    public static Rejection of(ReasonCode reason, String detail) {
        return new Rejection(reason, detail);
    }
}
