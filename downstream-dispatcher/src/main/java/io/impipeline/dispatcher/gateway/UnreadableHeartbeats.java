package io.impipeline.dispatcher.gateway;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.impipeline.platform.support.LogLimiter;
import io.impipeline.model.codec.ReasonCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the dispatcher does about a gateway-table entry it cannot use: it counts as no heartbeat (the gateway is not
 * live), each read that meets one is counted ({@code im.dispatcher.heartbeats.unreadable{reason}}), the scanner
 * says how many the table holds now ({@code im.dispatcher.gateways.unreadable}), and a warning is logged at most once
 * a minute per gateway, never with the record's bytes.
 * <ul>
 *   <li>{@code undecodable}: the latest record of that key fails the heartbeat's validation (the table holds the
 *       topic's bytes, see {@link GatewaysStore}); also a value stored before a stricter validation rule, or a
 *       timestamp too far in the future;</li>
 *   <li>{@code key_mismatch}: a valid heartbeat stored under another key than its {@code gateway_id} (anyone can
 *       write one): it says nothing about the gateway of that key.</li>
 * </ul>
 */
public final class UnreadableHeartbeats {

    public static final String READS = "im.dispatcher.heartbeats.unreadable";
    public static final String ENTRIES = "im.dispatcher.gateways.unreadable";

    private static final Logger log = LoggerFactory.getLogger(UnreadableHeartbeats.class);
    private static final int ID_IN_LOG = 128;

    public enum Reason {
        UNDECODABLE, KEY_MISMATCH;

        String tag() {
            return name().toLowerCase();
        }
    }

    private final MeterRegistry registry;
    private final LogLimiter limiter = new LogLimiter(Duration.ofMinutes(1));
    private final AtomicInteger inTable = new AtomicInteger();

    public UnreadableHeartbeats(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder(ENTRIES, inTable, AtomicInteger::get)
                .description("gateway-table entries that cannot be read, as of the last scan")
                .register(registry);
    }

    /** An entry that fails the heartbeat's validation (only its reason is logged: the detail may quote bytes). */
    void undecodable(String gatewayId, ReasonCode reason) {
        count(Reason.UNDECODABLE);
        String id = LogLimiter.cut(gatewayId, ID_IN_LOG);
        long suppressed = limiter.permit("undecodable|" + id);
        if (suppressed >= 0) {
            log.warn("unreadable heartbeat in the gateway table: gateway={} reason={}; it counts as no heartbeat "
                    + "(gateway not live) until the gateway's next valid heartbeat ({} similar lines suppressed)",
                    id, reason, suppressed);
        }
    }

    void keyMismatch(String key, String gatewayId) {
        count(Reason.KEY_MISMATCH);
        String id = LogLimiter.cut(key, ID_IN_LOG);
        long suppressed = limiter.permit("mismatch|" + id);
        if (suppressed >= 0) {
            log.warn("heartbeat stored under key {} is for gateway_id {}: it counts as no heartbeat for {} "
                    + "({} similar lines suppressed)", id, LogLimiter.cut(gatewayId, ID_IN_LOG), id, suppressed);
        }
    }

    /** How many unreadable entries the last full read of the table met. */
    public void inTable(int count) {
        inTable.set(count);
    }

    private void count(Reason reason) {
        Counter.builder(READS).tag("reason", reason.tag())
                .description("reads of the gateway table that met an entry they could not use")
                .register(registry).increment();
    }
}
