package io.impipeline.dlq;

import io.impipeline.testkit.OpenApiChecks;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static io.impipeline.testkit.OpenApiChecks.keys;
import static io.impipeline.testkit.OpenApiChecks.names;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dlq-handler's OpenAPI description ({@code /v3/api-docs}) lists its endpoints, behind the service token like them;
 * the Swagger UI page is served from the jar without the token and sends it with its requests (docs/api.md).
 */
class OpenApiIntegrationTest extends DlqIntegrationSupport {

    private OpenApiChecks checks() {
        return new OpenApiChecks(port, TOKEN);
    }

    @Test
    void theDescriptionNeedsTheServiceTokenAndHealthProbesStayOpen() throws Exception {
        checks().descriptionNeedsTheTokenAndHealthProbesStayOpen();
    }

    @Test
    void theDescriptionListsTheEndpointsUnderItsNameWithTheTokenAsSecurityScheme() throws Exception {
        JsonNode api = checks().description("dlq-handler");
        JsonNode paths = api.path("paths");
        assertThat(paths.path("/api/v1/dead-letters").has("get")).isTrue();
        assertThat(paths.path("/api/v1/dead-letters/summary").has("get")).isTrue();
        assertThat(paths.path("/api/v1/dead-letters/{id}").has("get")).isTrue();
        assertThat(paths.path("/api/v1/dead-letters/{id}/replay").has("post")).isTrue();
        assertThat(paths.path("/api/v1/dead-letters/{id}/discard").has("post")).isTrue();
        assertThat(paths.path("/api/v1/dead-letters/replay").has("post")).isTrue();
        assertThat(paths.path("/api/v1/dead-letters/discard").has("post")).isTrue();
        assertThat(paths.path("/api/v1/replays").has("get")).isTrue();
        assertThat(paths.path("/api/v1/replays").has("post")).isTrue();
        assertThat(paths.path("/api/v1/replays/{id}").has("get")).isTrue();
        assertThat(paths.path("/api/v1/replays/{id}/cancel").has("post")).isTrue();
        assertThat(paths.path("/api/v1/trace/{fromUserId}/{messageId}").has("get")).isTrue();
        assertThat(paths.path("/api/v1/trace/{messageId}").has("get")).isTrue();
        assertThat(paths.path("/api/v1/audit").has("get")).isTrue();
        assertThat(paths.path("/api/v1/overview").has("get")).isTrue();
        assertThat(names(paths.path("/api/v1/audit").path("get").path("parameters")))
                .contains("limit", "before_id");
        assertThat(names(paths.path("/api/v1/overview").path("get").path("parameters")))
                .contains("bucket", "since");
        assertThat(names(paths.path("/api/v1/dead-letters/{id}/replay").path("post").path("parameters")))
                .as("the operator of a change").contains("X-Operator");
        assertThat(names(paths.path("/api/v1/replays/{id}/cancel").path("post").path("parameters")))
                .contains("X-Operator");
        assertThat(names(paths.path("/api/v1/dead-letters").path("get").path("parameters")))
                .contains("original_topic", "message_id", "exception_contains", "cursor");
        JsonNode schemas = api.path("components").path("schemas");
        assertThat(keys(schemas.path("Detail").path("properties")))
                .contains("dlq_topic", "original_topic", "replay_count");
        assertThat(keys(schemas.path("ReplayJob").path("properties")))
                .contains("source_topic", "target_topic");
        assertThat(keys(schemas.path("MessageTrace").path("properties")))
                .contains("from_user_id", "message_id", "stages");
        assertThat(keys(schemas.path("AuditItem").path("properties")))
                .contains("id", "at", "actor", "action", "target", "count", "detail");
        assertThat(keys(schemas.path("Overview").path("properties")))
                .contains("apps", "lag", "throughput", "gateways", "dead_letters_by_reason");
    }

    @Test
    void theSwaggerUiIsServedFromTheJarWithoutTheTokenAndSendsItWithItsRequests() throws Exception {
        checks().swaggerUiIsServedWithoutTheTokenAndSendsIt();
    }
}
