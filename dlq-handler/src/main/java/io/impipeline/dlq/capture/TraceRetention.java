package io.impipeline.dlq.capture;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.impipeline.dlq.settings.TraceStoreProperties;
import io.impipeline.dlq.store.TraceRepository;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Deletes trace rows older than {@code im.dlq.trace.retention} (by their {@code at}) every
 * {@code cleanup-interval}, in statements of {@code cleanup-batch} rows so that no transaction holds many locks. Every
 * instance runs it; two deleting at once only share the work.
 */
@Component
public class TraceRetention {

    private static final Logger log = LoggerFactory.getLogger(TraceRetention.class);

    private final TraceRepository repository;
    private final TraceStoreProperties config;
    private final Clock clock;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "trace-retention");
        t.setDaemon(true);
        return t;
    });

    public TraceRetention(TraceRepository repository, TraceStoreProperties config, Clock clock) {
        this.repository = repository;
        this.config = config;
        this.clock = clock;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void start() {
        long every = config.cleanupInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::runSafely, every, every, TimeUnit.MILLISECONDS);
    }

    /** One pass: every row older than the retention; how many were deleted. */
    public long run() {
        Instant cutoff = clock.instant().minus(config.retention());
        long total = 0;
        int n;
        do {
            n = repository.deleteOlderThan(cutoff, config.cleanupBatch());
            total += n;
        } while (n >= config.cleanupBatch());
        if (total > 0) {
            log.info("trace rows past retention deleted count={} older_than={}", total, cutoff);
        }
        return total;
    }

    private void runSafely() {
        try {
            run();
        } catch (RuntimeException e) {
            log.warn("trace retention failed, retried at the next interval error={}", StoreFailures.summary(e));
        }
    }

    @PreDestroy
    void stop() {
        scheduler.shutdownNow();
    }
}
