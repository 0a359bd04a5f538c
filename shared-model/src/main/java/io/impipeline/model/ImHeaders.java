package io.impipeline.model;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

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

    /** The trace id of a W3C {@code traceparent} header ({@code 00-<trace id>-<span id>-<flags>}), or null. */
    public static String traceId(Headers headers) {
        Header h = headers.lastHeader(TRACEPARENT);
        if (h == null || h.value() == null) {
            return null;
        }
        String[] parts = new String(h.value(), StandardCharsets.UTF_8).split("-");
        return parts.length >= 3 && parts[1].length() == 32 ? parts[1] : null;
    }
}
