package io.impipeline.router.metrics;

import io.impipeline.model.codec.ReasonCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** {@code im.router.messages{outcome,reason}}: one counter per outcome; {@code reason} only for invalid records. */
public final class RouterMetrics {

    public static final String MESSAGES = "im.router.messages";
    private static final String NO_REASON = "none";

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
