package io.impipeline.dlq.overview;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.impipeline.dlq.overview.AppHealth.App;
import io.impipeline.dlq.overview.ConsumerLag.Lag;
import io.impipeline.dlq.overview.Gateways.Gateway;
import io.impipeline.dlq.overview.Overview.Problem;
import io.impipeline.dlq.overview.Overview.ReasonCount;
import io.impipeline.dlq.settings.ConsoleProperties;
import io.impipeline.dlq.store.DeadLetterRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the overview together. Apps' health, gateways and lag are asked at most once per {@code cache-ttl} (several
 * consoles open at once cost the pipeline one round of requests); throughput comes from the sampler running every
 * {@code throughput-interval}; dead letters by reason are counted per request (their bucket and range are
 * parameters).
 */
public class OverviewService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OverviewService.class);

    private final AppHealth apps;
    private final ConsumerLag lag;
    private final Throughput throughput;
    private final Gateways gateways;
    private final DeadLetterRepository deadLetters;
    private final ConsoleProperties console;
    private final Clock clock;
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "overview-throughput");
        t.setDaemon(true);
        return t;
    });
    private final Recent<Live> live;
    private volatile String throughputError;

    public OverviewService(AppHealth apps, ConsumerLag lag, Throughput throughput, Gateways gateways,
                           DeadLetterRepository deadLetters, ConsoleProperties console, Clock clock) {
        this.apps = apps;
        this.lag = lag;
        this.throughput = throughput;
        this.gateways = gateways;
        this.deadLetters = deadLetters;
        this.console = console;
        this.clock = clock;
        this.live = new Recent<>(this::ask, console.cacheTtl(), clock);
    }

    /** Starts sampling end offsets for the throughput (the first rate appears after the second sample). */
    public void start() {
        long every = console.throughputInterval().toMillis();
        sampler.scheduleWithFixedDelay(this::sample, 0, every, TimeUnit.MILLISECONDS);
    }

    private void sample() {
        try {
            throughput.sample();
            throughputError = null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            String why = describe(e);
            if (throughputError == null) {
                log.warn("throughput sample failed (logged once until it works again) error={}", why);
            }
            throughputError = why;
        }
    }

    /** The overview; {@code since} and {@code bucket} shape {@code dead_letters_by_reason}. */
    public Overview overview(Duration since, Duration bucket) {
        Live l = live.get();
        List<Problem> errors = new ArrayList<>(l.errors());
        String t = throughputError;
        if (t != null) {
            errors.add(new Problem("throughput", t));
        }
        List<ReasonCount> byReason = List.of();
        try {
            byReason = deadLetters.countsByReason(clock.instant().minus(since), bucket.toSeconds()).stream()
                    .map(r -> new ReasonCount(r.reason(), r.bucketStart(), r.count())).toList();
        } catch (RuntimeException e) {
            errors.add(new Problem("dead_letters_by_reason", describe(e)));
        }
        return new Overview(l.apps(), l.lag(), throughput.rates(), l.gateways(), byReason, l.at(), errors);
    }

    /** What is asked of other systems, cached for {@code cache-ttl}. */
    private record Live(Instant at, List<App> apps, List<Lag> lag, List<Gateway> gateways, List<Problem> errors) {
    }

    private Live ask() {
        Instant now = clock.instant();
        List<Problem> errors = new ArrayList<>();
        List<App> appList = apps.check();
        List<Lag> lagList = List.of();
        try {
            lagList = lag.measure();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            errors.add(new Problem("lag", "interrupted"));
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            errors.add(new Problem("lag", describe(e)));
        }
        List<Gateway> gatewayList = List.of();
        if (!console.gatewaysApp().isEmpty()) {
            String base = apps.baseUrl(console.apps().get(console.gatewaysApp()));
            try {
                gatewayList = gateways.list(base);
            } catch (RuntimeException e) {
                errors.add(new Problem("gateways", console.gatewaysApp() + " at " + base + ": " + describe(e)));
            }
        }
        return new Live(now, appList, lagList, gatewayList, List.copyOf(errors));
    }

    private static String describe(Throwable e) {
        Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        String m = c.getMessage();
        if (m != null && m.length() > 300) {
            m = m.substring(0, 300) + "…";
        }
        return c.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
