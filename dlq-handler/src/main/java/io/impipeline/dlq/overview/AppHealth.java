package io.impipeline.dlq.overview;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import io.impipeline.dlq.settings.ConsoleProperties;
import io.impipeline.model.codec.WireJson;
import org.springframework.core.env.Environment;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

/**
 * Asks every app of {@code im.dlq.console.apps} for {@code /actuator/health} and {@code /actuator/health/readiness},
 * all at once, each with the short {@code health-timeout}. Without the service token: health is open and answers its
 * status only (the token would show components and details, which the overview does not need). The status is the one
 * the app reports ({@code UP}, {@code DOWN}, {@code OUT_OF_SERVICE}, ...), also on a 503; {@code UNREACHABLE} when
 * no answer came (refused, timed out); {@code UNKNOWN} when the answer had no status (e.g. 404: probes off).
 */
public class AppHealth {

    public static final String UNREACHABLE = "UNREACHABLE";
    public static final String UNKNOWN = "UNKNOWN";

    private final Map<String, String> apps;
    private final RestClient http;
    private final Environment environment;
    private final ExecutorService pool;
    private final Duration timeout;

    public AppHealth(ConsoleProperties console, RestClient http, Environment environment, ExecutorService pool) {
        this.apps = console.apps();
        this.http = http;
        this.environment = environment;
        this.pool = pool;
        this.timeout = console.healthTimeout();
    }

    /** One app as the overview shows it; {@code detail} says why it is unreachable or unknown, else null. */
    public record App(String name, String url, String health, String readiness, String detail) {
    }

    public List<App> check() {
        Map<String, CompletableFuture<App>> checks = new LinkedHashMap<>();
        apps.forEach((name, configured) -> {
            String base = baseUrl(configured);
            CompletableFuture<Probe> health = CompletableFuture.supplyAsync(() -> probe(base, "/actuator/health"),
                    pool);
            CompletableFuture<Probe> readiness = CompletableFuture.supplyAsync(
                    () -> probe(base, "/actuator/health/readiness"), pool);
            checks.put(name, health.thenCombine(readiness, (h, r) -> new App(name, base, h.status(), r.status(),
                    h.detail() != null ? h.detail() : r.detail())));
        });
        return answers(checks, (name, why) -> new App(name, baseUrl(apps.get(name)), UNREACHABLE, UNREACHABLE, why));
    }

    /**
     * The answers of requests to the apps, by app in the order given, all within one deadline (three times the
     * timeout: connect and read are each bounded by it; this bounds a queue behind a busy pool too). One without an
     * answer by then is cancelled and stands as {@code noAnswer(app, why)}; a null answer is left out.
     */
    <T> List<T> answers(Map<String, CompletableFuture<T>> asked, BiFunction<String, String, T> noAnswer) {
        Duration within = timeout.multipliedBy(3);
        long deadline = System.nanoTime() + within.toNanos();
        List<T> out = new ArrayList<>();
        asked.forEach((name, answer) -> {
            T value;
            try {
                value = answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                answer.cancel(true);
                value = noAnswer.apply(name, "no answer within " + within);
            }
            if (value != null) {
                out.add(value);
            }
        });
        return out;
    }

    /** The other apps' base URLs by name, in the configured order: every entry but {@code self}. */
    public Map<String, String> others() {
        Map<String, String> others = new LinkedHashMap<>();
        apps.forEach((name, configured) -> {
            if (!ConsoleProperties.SELF.equals(configured)) {
                others.put(name, baseUrl(configured));
            }
        });
        return others;
    }

    /** The base URL of an entry: {@code self} is this instance on its actual port. */
    String baseUrl(String configured) {
        if (!ConsoleProperties.SELF.equals(configured)) {
            return configured.endsWith("/") ? configured.substring(0, configured.length() - 1) : configured;
        }
        String port = environment.getProperty("local.server.port", environment.getProperty("server.port", "8080"));
        return "http://localhost:" + port;
    }

    private record Probe(String status, String detail) {
    }

    private Probe probe(String base, String path) {
        try {
            return http.get().uri(URI.create(base + path)).exchange((req, res) -> {
                byte[] body = res.getBody().readAllBytes();
                String status = status(body);
                return status == null
                        ? new Probe(UNKNOWN, path + " answered " + res.getStatusCode().value() + " without a status")
                        : new Probe(status, null);
            });
        } catch (RuntimeException e) {
            return new Probe(UNREACHABLE, failure(path, e));
        }
    }

    /** Why a request to {@code path} got no answer (refused, timed out): the cause's type and message, cut. */
    static String failure(String path, RuntimeException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        return path + ": " + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : " " + cut(cause.getMessage()));
    }

    private static String status(byte[] body) {
        try {
            JsonNode node = WireJson.mapper().readTree(body);
            JsonNode status = node == null ? null : node.get("status");
            return status != null && status.isString() ? cut(status.asString()) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    static String cut(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
