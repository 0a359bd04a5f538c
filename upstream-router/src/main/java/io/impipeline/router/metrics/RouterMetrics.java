package io.impipeline.router.metrics;

import io.impipeline.model.codec.ReasonCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code im.router.messages{outcome,reason}}: one counter per outcome; {@code reason} only for invalid records.
 * {@code im.router.routed.records{delivery}} and {@code im.router.routed.recipients{delivery}}: the records written to
 * {@code im-routed-topic} and the recipients they list (a group batch lists several).
 * {@code im.router.groups.unreadable{reason}}: reads of the group table that met an entry they could not use
 * ({@code undecodable} or {@code key_mismatch}, see {@code GroupReader}).
 */
public final class RouterMetrics {

    public static final String MESSAGES = "im.router.messages";
    public static final String ROUTED_RECORDS = "im.router.routed.records";
    public static final String ROUTED_RECIPIENTS = "im.router.routed.recipients";
    public static final String GROUPS_UNREADABLE = "im.router.groups.unreadable";
    private static final String NO_REASON = "none";

    /** What a routed record delivers: a single-chat copy, the sender's sync copy, or a group batch. */
    public enum Delivery {
        SINGLE, SYNC, GROUP;

        String tag() {
            return name().toLowerCase();
        }
    }

    public enum Outcome {
        ROUTED, DUPLICATE, FILTERED, REJECTED, SCHEDULED, RELEASED, INVALID, FANOUT_TASK, FAILED;

        String tag() {
            return name().toLowerCase();
        }
    }

    private final MeterRegistry registry;

    public RouterMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void count(Outcome outcome) {
        counter(outcome, NO_REASON).increment();
    }

    public void invalid(ReasonCode reason) {
        counter(Outcome.INVALID, reason.name()).increment();
    }

    /** One record on {@code im-routed-topic} listing {@code recipients} users. */
    public void routed(Delivery delivery, int recipients) {
        Counter.builder(ROUTED_RECORDS).description("Records written to im-routed-topic")
                .tag("delivery", delivery.tag()).register(registry).increment();
        Counter.builder(ROUTED_RECIPIENTS).description("Recipients listed by the records written to im-routed-topic")
                .tag("delivery", delivery.tag()).register(registry).increment(recipients);
    }

    /** A read of the group table met an entry it could not use ({@code undecodable}, {@code key_mismatch}). */
    public void unreadableGroup(String reason) {
        Counter.builder(GROUPS_UNREADABLE).description("Reads of the group table that met an entry they could not use")
                .tag("reason", reason).register(registry).increment();
    }

    public double unreadableGroups(String reason) {
        Counter c = registry.find(GROUPS_UNREADABLE).tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    /** Dead letters cut to fit the record limit (shared-platform's {@code DeadLetterFit}). */
    public double deadLettersCut() {
        Counter c = registry.find(io.impipeline.platform.dlq.DeadLetterFit.METRIC).tag("stage", "upstream-router")
                .counter();
        return c == null ? 0 : c.count();
    }

    public double routedRecords(Delivery delivery) {
        return countOf(ROUTED_RECORDS, delivery);
    }

    public double routedRecipients(Delivery delivery) {
        return countOf(ROUTED_RECIPIENTS, delivery);
    }

    private double countOf(String name, Delivery delivery) {
        Counter c = registry.find(name).tag("delivery", delivery.tag()).counter();
        return c == null ? 0 : c.count();
    }

    public double value(Outcome outcome, String reason) {
        Counter c = registry.find(MESSAGES).tag("outcome", outcome.tag()).tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    public double value(Outcome outcome) {
        return value(outcome, NO_REASON);
    }

    public MeterRegistry registry() {
        return registry;
    }

    private Counter counter(Outcome outcome, String reason) {
        // Micrometer caches meters by id: registering again returns the existing counter.
        return Counter.builder(MESSAGES).description("Upstream messages by outcome")
                .tag("outcome", outcome.tag()).tag("reason", reason).register(registry);
    }
}
