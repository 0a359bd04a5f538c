package io.impipeline.dlq.settings;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The operations console's backend ({@code im.dlq.console.*}, issue 15): what {@code GET /api/v1/overview} asks,
 * where and how often.
 *
 * @param apps               the pipeline's apps by name and base URL; each is asked {@code /actuator/health} and
 *                           {@code /actuator/health/readiness}. {@value #SELF} stands for this instance (its own
 *                           port). Defaults: the four apps of {@code ./run-local}
 * @param healthTimeout      connect and read timeout of one health request
 * @param cacheTtl           how long apps' health, gateways, lag and trace writing are reused before they are asked
 *                           again
 * @param gatewaysApp        the entry of {@code apps} whose {@code GET /api/v1/gateways} lists the gateways (the
 *                           downstream-dispatcher; it is sent the service token); empty: no gateways
 * @param lagGroups          consumer groups shown with their lag: regular expressions, each matching a whole group
 *                           id with {@code im.topics.prefix} removed
 * @param adminTimeout       how long one AdminClient call (groups, offsets) may take
 * @param throughputInterval how often the end offsets of the pipeline's topics are sampled for throughput
 * @param defaultBucket      bucket of {@code dead_letters_by_reason} when the request gives none
 * @param defaultSince       how far back {@code dead_letters_by_reason} goes when the request gives no {@code since}
 * @param maxSince           the furthest back a request may ask
 * @param maxBuckets         most buckets one request may ask ({@code since / bucket})
 */
@Validated
@ConfigurationProperties("im.dlq.console")
public record ConsoleProperties(
        Map<String, String> apps,
        @DefaultValue("1s") @NotNull Duration healthTimeout,
        @DefaultValue("3s") @NotNull Duration cacheTtl,
        @DefaultValue("downstream-dispatcher") String gatewaysApp,
        @DefaultValue({"im-.*", "gateway-.*"}) List<String> lagGroups,
        @DefaultValue("5s") @NotNull Duration adminTimeout,
        @DefaultValue("5s") @NotNull Duration throughputInterval,
        @DefaultValue("1m") @NotNull Duration defaultBucket,
        @DefaultValue("1h") @NotNull Duration defaultSince,
        @DefaultValue("7d") @NotNull Duration maxSince,
        @DefaultValue("1440") @Min(1) int maxBuckets) {

    /** The {@code apps} value that means this instance. */
    public static final String SELF = "self";

    /** The default {@code apps}: the pipeline as {@code ./run-local} starts it. */
    public static final Map<String, String> DEFAULT_APPS = defaultApps();

    public ConsoleProperties {
        apps = apps == null || apps.isEmpty() ? DEFAULT_APPS : new LinkedHashMap<>(apps);
        apps.forEach(ConsoleProperties::checkApp);
        lagGroups = lagGroups == null ? List.of() : List.copyOf(lagGroups);
        lagGroups.forEach(ConsoleProperties::checkPattern);
        gatewaysApp = gatewaysApp == null ? "" : gatewaysApp.trim();
        if (!gatewaysApp.isEmpty() && !apps.containsKey(gatewaysApp)) {
            throw new IllegalArgumentException("im.dlq.console.gateways-app '" + gatewaysApp
                    + "' is not one of im.dlq.console.apps " + apps.keySet());
        }
        positive("health-timeout", healthTimeout);
        positive("cache-ttl", cacheTtl);
        positive("admin-timeout", adminTimeout);
        positive("throughput-interval", throughputInterval);
        positive("max-since", maxSince);
        if (defaultBucket != null && defaultBucket.toSeconds() < 1) {
            throw new IllegalArgumentException("im.dlq.console.default-bucket must be at least 1s, was "
                    + defaultBucket);
        }
        positive("default-since", defaultSince);
    }

    public List<Pattern> lagGroupPatterns() {
        return lagGroups.stream().map(Pattern::compile).toList();
    }

    private static Map<String, String> defaultApps() {
        Map<String, String> apps = new LinkedHashMap<>();
        apps.put("upstream-router", "http://localhost:8081");
        apps.put("downstream-dispatcher", "http://localhost:8082");
        apps.put("task-worker", "http://localhost:8083");
        apps.put("dlq-handler", SELF);
        return java.util.Collections.unmodifiableMap(apps);
    }

    private static void checkApp(String name, String url) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("im.dlq.console.apps: an app needs a name");
        }
        if (SELF.equals(url)) {
            return;
        }
        try {
            URI uri = URI.create(url == null ? "" : url.trim());
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("im.dlq.console.apps." + name + " must be an http(s) base URL or '"
                    + SELF + "', was '" + url + "'", e);
        }
    }

    private static void checkPattern(String regex) {
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("im.dlq.console.lag-groups: '" + regex + "' is not a regular "
                    + "expression: " + e.getDescription(), e);
        }
    }

    private static void positive(String name, Duration d) {
        if (d != null && (d.isNegative() || d.isZero())) {
            throw new IllegalArgumentException("im.dlq.console." + name + " must be positive, was " + d);
        }
    }
}
