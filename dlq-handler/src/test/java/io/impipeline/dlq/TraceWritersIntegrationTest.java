package io.impipeline.dlq;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /api/v1/trace-writers} (issue 15): the console shows each app's trace writing and pauses or resumes it, and
 * the audit log records who did; against the stand-in apps of {@link ConsoleStub}.
 */
class TraceWritersIntegrationTest extends DlqIntegrationSupport {

    private static JsonNode app(JsonNode writers, String name) {
        for (JsonNode w : writers) {
            if (name.equals(w.get("app").asString())) {
                return w;
            }
        }
        return null;
    }

    private List<JsonNode> traceWritingAudit() {
        List<JsonNode> out = new ArrayList<>();
        get("/api/v1/audit?limit=500").body().get("items").forEach(i -> {
            if ("trace_writing".equals(i.get("action").asString())) {
                out.add(i);
            }
        });
        return out;
    }

    @Test
    void theWritersAreListedWithTheirStateAndAppsWithoutTraceWritingAreLeftOut() {
        Response r = get("/api/v1/trace-writers");
        assertThat(r.status()).isEqualTo(200);
        JsonNode writers = r.body();
        JsonNode dispatcher = app(writers, "downstream-dispatcher");
        assertThat(dispatcher.get("enabled").asBoolean()).isTrue();
        assertThat(dispatcher.get("writing").isBoolean()).isTrue();
        assertThat(dispatcher.get("url").asString()).isEqualTo(ConsoleStub.url());
        JsonNode worker = app(writers, "task-worker");
        assertThat(worker.get("enabled").asBoolean()).as("started with trace off").isFalse();
        assertThat(worker.get("writing").asBoolean()).isFalse();
        JsonNode router = app(writers, "upstream-router");
        assertThat(router.get("writing").isNull()).as("not running: state unknown").isTrue();
        assertThat(router.get("detail").asString()).contains("/api/v1/trace-writing");
        assertThat(app(writers, "gateway-admin")).as("answers 404: writes no trace events").isNull();
        assertThat(app(writers, "dlq-handler")).as("this instance writes none").isNull();
    }

    @Test
    void pausingAndResumingSwitchesTheAppNamesTheOperatorAndIsAuditedOncePerChange() {
        int before = traceWritingAudit().size();
        try {
            Response paused = putAs("ops-anna", "/api/v1/trace-writers/downstream-dispatcher",
                    Map.of("writing", false));
            assertThat(paused.status()).isEqualTo(200);
            assertThat(paused.body().get("writing").asBoolean()).isFalse();
            assertThat(ConsoleStub.WRITING.get()).as("the app itself switched").isFalse();
            assertThat(ConsoleStub.LAST_OPERATOR.get()).isEqualTo("ops-anna");
            assertThat(app(get("/api/v1/trace-writers").body(), "downstream-dispatcher").get("writing").asBoolean())
                    .isFalse();
            List<JsonNode> audit = traceWritingAudit();
            assertThat(audit).hasSize(before + 1);
            JsonNode entry = audit.get(0);
            assertThat(entry.get("actor").asString()).isEqualTo("ops-anna");
            assertThat(entry.get("target").asString()).isEqualTo("downstream-dispatcher");
            assertThat(entry.get("count").asLong()).isEqualTo(1);
            assertThat(entry.get("detail").get("writing").asBoolean()).isFalse();

            assertThat(putAs("ops-anna", "/api/v1/trace-writers/downstream-dispatcher", Map.of("writing", false))
                    .status()).as("paused again").isEqualTo(200);
            assertThat(traceWritingAudit()).as("nothing changed, nothing audited").hasSize(before + 1);
        } finally {
            Response resumed = putAs("ops-ben", "/api/v1/trace-writers/downstream-dispatcher",
                    Map.of("writing", true));
            assertThat(resumed.status()).isEqualTo(200);
        }
        assertThat(ConsoleStub.WRITING.get()).isTrue();
        JsonNode entry = traceWritingAudit().get(0);
        assertThat(entry.get("actor").asString()).isEqualTo("ops-ben");
        assertThat(entry.get("detail").get("writing").asBoolean()).isTrue();
    }

    @Test
    void aSwitchThatCannotBeMadeIsRefusedWithItsReasonAndNotAudited() {
        int before = traceWritingAudit().size();
        Response unknown = putAs("ops", "/api/v1/trace-writers/no-such-app", Map.of("writing", false));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body().get("detail").asString()).contains("downstream-dispatcher");
        assertThat(putAs("ops", "/api/v1/trace-writers/gateway-admin", Map.of("writing", false)).status())
                .as("an app without trace writing").isEqualTo(404);
        Response down = putAs("ops", "/api/v1/trace-writers/upstream-router", Map.of("writing", false));
        assertThat(down.status()).isEqualTo(502);
        assertThat(down.body().get("error").asString()).isEqualTo("APP_UNREACHABLE");
        Response off = putAs("ops", "/api/v1/trace-writers/task-worker", Map.of("writing", true));
        assertThat(off.status()).as("the app's own refusal").isEqualTo(409);
        assertThat(off.body().get("error").asString()).isEqualTo("TRACE_NOT_ENABLED");
        assertThat(off.body().get("detail").asString()).startsWith("task-worker: ");
        assertThat(putAs("ops", "/api/v1/trace-writers/downstream-dispatcher", Map.of("paused", true)).body()
                .get("error").asString()).isEqualTo("UNKNOWN_FIELD");
        assertThat(putAs("ops", "/api/v1/trace-writers/downstream-dispatcher", "{}").body().get("error").asString())
                .isEqualTo("MISSING_FIELD");
        assertThat(putAs("o".repeat(65), "/api/v1/trace-writers/downstream-dispatcher", Map.of("writing", false))
                .status()).as("an over-long operator").isEqualTo(400);
        int withoutToken = RestClient.create("http://localhost:" + port).method(HttpMethod.PUT)
                .uri("/api/v1/trace-writers/downstream-dispatcher").header("Content-Type", "application/json")
                .body("{\"writing\": false}").exchange((req, res) -> res.getStatusCode().value());
        assertThat(withoutToken).isEqualTo(401);
        assertThat(ConsoleStub.WRITING.get()).as("nothing refused switched it").isTrue();
        assertThat(traceWritingAudit()).hasSize(before);
    }
}
