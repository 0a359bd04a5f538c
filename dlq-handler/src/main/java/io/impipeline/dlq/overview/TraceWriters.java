package io.impipeline.dlq.overview;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

import io.impipeline.model.codec.WireJson;
import io.impipeline.platform.web.ApiException;
import io.impipeline.platform.web.Operator;
import tools.jackson.databind.JsonNode;

/**
 * Message trace writing on the pipeline's apps (issue 15), as the console shows and switches it. Every app of
 * {@code im.dlq.console.apps} but this instance is asked its {@code GET /api/v1/trace-writing}, sent the service token
 * as for the gateways; an app that answers 404 writes no trace events (it is not shown). A switch is the app's own
 * {@code PUT /api/v1/trace-writing}, naming the operator ({@code X-Operator}) for the app's WARN line; the caller
 * writes the audit row. So an operator sees from the console which stages a trace is missing and since when (the
 * audit log), instead of finding out from traces with gaps.
 *
 * <p>The list is asked at most once per {@code im.dlq.console.cache-ttl}, as the overview's probes: every open overview
 * asks for it every few seconds, and several consoles open at once then cost the apps one round of requests. A switch
 * made here is seen at once (the list is asked again); one made on the app directly within {@code cache-ttl}.
 */
public class TraceWriters {

    /** A refusal particular to this: the app could not be asked, or refused the dlq-handler (502). */
    public static final String APP_UNREACHABLE = "APP_UNREACHABLE";

    private static final String PATH = "/api/v1/trace-writing";

    private final AppHealth apps;
    private final RestClient http;
    private final ExecutorService pool;
    private final String tokenHeader;
    private final String token;
    private final Recent<List<Writer>> listed;

    public TraceWriters(AppHealth apps, RestClient http, ExecutorService pool, String tokenHeader, String token,
                        Duration cacheTtl, Clock clock) {
        this.apps = apps;
        this.http = http;
        this.pool = pool;
        this.tokenHeader = tokenHeader;
        this.token = token;
        this.listed = new Recent<>(this::askAll, cacheTtl, clock);
    }

    /**
     * One app's trace writing: {@code enabled} ({@code im.trace.enabled} at its start) and {@code writing} now; both
     * null and {@code detail} saying why when it could not be asked.
     */
    public record Writer(String app, String url, Boolean enabled, Boolean writing, String detail) {
    }

    /** A switch: the app's state before and after it. */
    public record Switch(Writer before, Writer after) {

        public boolean changed() {
            return !Objects.equals(before.writing(), after.writing());
        }
    }

    /**
     * Every app that writes trace events (or could not be asked), in the order of {@code im.dlq.console.apps}; asked
     * again when the last list is {@code cache-ttl} old.
     */
    public List<Writer> list() {
        return listed.get();
    }

    private List<Writer> askAll() {
        Map<String, String> others = apps.others();
        Map<String, CompletableFuture<Writer>> asked = new LinkedHashMap<>();
        others.forEach((app, base) -> asked.put(app, CompletableFuture.supplyAsync(() -> ask(app, base), pool)));
        return apps.answers(asked, (app, why) -> unknown(app, others.get(app), why));
    }

    /**
     * Pauses ({@code writing} false) or resumes trace writing on {@code app}.
     *
     * @throws ApiException 404 for an app the console does not know or that writes no trace events, the app's own
     *                      409 {@code TRACE_NOT_ENABLED} when it was started with trace off, 502
     *                      {@value #APP_UNREACHABLE} when it could not be asked or refused the dlq-handler
     */
    public Switch set(String app, boolean writing, Operator operator) {
        try {
            return change(app, writing, operator);
        } finally {
            // A switch (made or not) may have changed what the last list said.
            listed.forget();
        }
    }

    private Switch change(String app, boolean writing, Operator operator) {
        Map<String, String> others = apps.others();
        String base = others.get(app);
        if (base == null) {
            throw ApiException.notFound("no app '" + app + "' that writes trace events; the console's apps: "
                    + others.keySet());
        }
        Writer before = ask(app, base);
        if (before == null) {
            throw ApiException.notFound(app + " writes no trace events (it has no " + PATH + ")");
        }
        if (before.writing() == null) {
            throw new ApiException(HttpStatus.BAD_GATEWAY, APP_UNREACHABLE, before.detail());
        }
        Writer after = exchange(app, base, http.put().uri(URI.create(base + PATH))
                .header(Operator.HEADER, operator.name()).contentType(MediaType.APPLICATION_JSON)
                .body("{\"writing\": " + writing + "}"), true);
        if (after == null || after.writing() == null) {
            throw new ApiException(HttpStatus.BAD_GATEWAY, APP_UNREACHABLE, after == null
                    ? app + " answered 404 to PUT " + PATH : after.detail());
        }
        return new Switch(before, after);
    }

    /** The app's state; null when it writes no trace events (404). */
    private Writer ask(String app, String base) {
        return exchange(app, base, http.get().uri(URI.create(base + PATH)), false);
    }

    private Writer exchange(String app, String base, RestClient.RequestHeadersSpec<?> request, boolean change) {
        try {
            return request.header(tokenHeader, token).exchange((req, res) -> {
                int status = res.getStatusCode().value();
                byte[] body = res.getBody().readAllBytes();
                if (status == HttpStatus.NOT_FOUND.value()) {
                    return null;
                }
                JsonNode json = parse(body);
                if (change && status == HttpStatus.CONFLICT.value()) {
                    // The app's own refusal (started with im.trace.enabled=false), passed on as it said it.
                    throw ApiException.conflict(text(json, "error", "CONFLICT"), app + ": "
                            + text(json, "detail", "refused"));
                }
                JsonNode writing = json == null ? null : json.get("writing");
                JsonNode enabled = json == null ? null : json.get("enabled");
                if (status != HttpStatus.OK.value() || writing == null || !writing.isBoolean()) {
                    return unknown(app, base, PATH + " answered " + status
                            + (json == null ? "" : " " + text(json, "error", "") + " " + text(json, "detail", ""))
                            .strip());
                }
                return new Writer(app, base, enabled != null && enabled.isBoolean() ? enabled.asBoolean() : null,
                        writing.asBoolean(), null);
            });
        } catch (ApiException e) {
            throw e;
        } catch (RuntimeException e) {
            return unknown(app, base, AppHealth.failure(PATH, e));
        }
    }

    private static Writer unknown(String app, String base, String detail) {
        return new Writer(app, base, null, null, detail);
    }

    private static JsonNode parse(byte[] body) {
        try {
            return body.length == 0 ? null : WireJson.mapper().readTree(body);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String text(JsonNode json, String field, String otherwise) {
        JsonNode value = json == null ? null : json.get(field);
        return value != null && value.isString() ? AppHealth.cut(value.asString()) : otherwise;
    }
}
