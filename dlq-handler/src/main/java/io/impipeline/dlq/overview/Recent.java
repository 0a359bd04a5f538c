package io.impipeline.dlq.overview;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * What the console asks of other systems, reused for {@code im.dlq.console.cache-ttl}: every open console asks every
 * few seconds, and several open at once then cost the pipeline one round of requests. Callers wait for a round in
 * progress instead of starting their own.
 */
final class Recent<T> {

    private final Supplier<T> ask;
    private final Duration ttl;
    private final Clock clock;
    private T value;
    private Instant at;

    Recent(Supplier<T> ask, Duration ttl, Clock clock) {
        this.ask = ask;
        this.ttl = ttl;
        this.clock = clock;
    }

    /** The last answer while it is younger than the TTL, otherwise a new one. */
    synchronized T get() {
        Instant now = clock.instant();
        if (value != null && now.isBefore(at.plus(ttl))) {
            return value;
        }
        value = ask.get();
        at = now;
        return value;
    }

    /** The next {@link #get} asks again: something this instance did may have changed the answer. */
    synchronized void forget() {
        value = null;
    }
}
