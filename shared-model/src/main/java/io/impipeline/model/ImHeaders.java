package io.impipeline.model;

/** Kafka header names of the contract (ARCHITECTURE §3). The {@code kafka_dlt-*} names are spring-kafka's. */
public final class ImHeaders {

    /** W3C trace context. */
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";

    /** The app that dead-lettered the record (e.g. {@code upstream-router}). */
    public static final String DLT_STAGE = "im_dlt-stage";
    /** A stable {@link io.impipeline.model.codec.ReasonCode}. */
    public static final String DLT_REASON = "im_dlt-reason";
    /** How often a dead letter has been replayed; set by the dlq-handler on each replay. */
    public static final String REPLAY_COUNT = "im_replay-count";

    private ImHeaders() {
    }
}
