package io.impipeline.platform.support;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Rate limit for repeated log lines: at most one line per key and interval, the next one saying how many were left
 * out. For failures that can repeat once per record (an unreadable heartbeat is met by every record of its gateway's
 * users, a gateway topic that is not ready by every record in a row): the metric counts each, the log says it once in
 * a while. Thread-safe (stream threads, the topic scanner and web requests share one).
 */
public final class LogLimiter {

    /** Keys kept at most; beyond, the windows start over (keys may come from outside: gateway ids). */
    static final int MAX_KEYS = 1_000;

    private final long intervalMillis;
    private final LongSupplier clock;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    private static final class Window {
        long openedAt;
        long suppressed;

        Window(long openedAt) {
            this.openedAt = openedAt;
        }
    }

    public LogLimiter(Duration interval) {
        this(interval, System::currentTimeMillis);
    }

    LogLimiter(Duration interval, LongSupplier clock) {
        this.intervalMillis = interval.toMillis();
        this.clock = clock;
    }

    /**
     * Whether a line for {@code key} may be logged now: -1 when not (it is counted as suppressed), else how many were
     * suppressed since the last line for that key (0 for the first).
     */
    public long permit(String key) {
        long now = clock.getAsLong();
        if (windows.size() >= MAX_KEYS && !windows.containsKey(key)) {
            windows.clear();
        }
        long[] result = {-1};
        windows.compute(key, (k, window) -> {
            if (window == null) {
                result[0] = 0;
                return new Window(now);
            }
            if (now - window.openedAt >= intervalMillis) {
                result[0] = window.suppressed;
                window.openedAt = now;
                window.suppressed = 0;
            } else {
                window.suppressed++;
            }
            return window;
        });
        return result[0];
    }

    /** {@code text} cut to {@code max} characters (ids from outside may be huge), for a log line. */
    public static String cut(String text, int max) {
        if (text == null) {
            return "null";
        }
        return text.length() <= max ? text : text.substring(0, max) + "...(" + text.length() + " chars)";
    }
}
