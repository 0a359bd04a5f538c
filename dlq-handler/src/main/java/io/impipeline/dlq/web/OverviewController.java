package io.impipeline.dlq.web;

import java.time.Duration;

import io.impipeline.dlq.overview.Overview;
import io.impipeline.dlq.overview.OverviewService;
import io.impipeline.dlq.settings.ConsoleProperties;
import io.impipeline.platform.web.ApiException;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The pipeline at a glance, for the operations console. */
@RestController
@RequestMapping("/api/v1/overview")
public class OverviewController {

    private final OverviewService overview;
    private final ConsoleProperties console;

    public OverviewController(OverviewService overview, ConsoleProperties console) {
        this.overview = overview;
        this.console = console;
    }

    /**
     * Apps' health and readiness, consumer lag per group and partition, throughput per topic, gateways, and dead
     * letters per reason per {@code bucket} (default 1m, whole seconds) over the last {@code since} (default 1h).
     * Durations as {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d} or ISO-8601 ({@code PT5M}).
     */
    @GetMapping
    public Overview overview(@RequestParam(required = false) String bucket,
                             @RequestParam(required = false) String since) {
        Duration b = duration("bucket", bucket, console.defaultBucket());
        Duration s = duration("since", since, console.defaultSince());
        if (b.toSeconds() < 1 || b.toNanos() % 1_000_000_000L != 0) {
            throw ApiException.invalidField("bucket must be a whole number of seconds, at least 1s");
        }
        if (s.isNegative() || s.isZero() || s.compareTo(console.maxSince()) > 0) {
            throw ApiException.invalidField("since must be positive and at most " + console.maxSince());
        }
        if (s.toSeconds() / b.toSeconds() > console.maxBuckets()) {
            throw ApiException.invalidField("since / bucket must be at most " + console.maxBuckets() + " buckets");
        }
        return overview.overview(s, b);
    }

    private static Duration duration(String name, String value, Duration fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return DurationStyle.detectAndParse(value.trim());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidField(name + " must be a duration such as 30s, 5m, 1h, 1d or PT5M");
        }
    }
}
