package io.impipeline.worker;

import io.impipeline.testkit.TestPostgres;
import io.impipeline.testkit.OpenApiChecks;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

import static io.impipeline.testkit.OpenApiChecks.keys;
import static io.impipeline.testkit.OpenApiChecks.names;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The task-worker's OpenAPI description ({@code /v3/api-docs}) lists its endpoints, behind the service token like them;
 * the Swagger UI page is served from the jar without the token and sends it with its requests (docs/api.md).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.kafka.bootstrap-servers=${spring.embedded.kafka.brokers}",
        "im.topics.replication-factor=1",
        "im.security.service-token=" + OpenApiIntegrationTest.TOKEN})
@EmbeddedKafka(partitions = 1, brokerProperties = {
        "transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1"})
// Closed after the class: its listeners would otherwise keep running beside the next test classes.
@DirtiesContext
class OpenApiIntegrationTest {

    static final String TOKEN = "test-token";

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestPostgres.register(registry, "worker");
    }

    private OpenApiChecks checks() {
        return new OpenApiChecks(port, TOKEN);
    }

    @Test
    void theDescriptionNeedsTheServiceTokenAndHealthProbesStayOpen() throws Exception {
        checks().descriptionNeedsTheTokenAndHealthProbesStayOpen();
    }

    @Test
    void theDescriptionListsTheEndpointsUnderItsNameWithTheTokenAsSecurityScheme() throws Exception {
        JsonNode api = checks().description("task-worker");
        JsonNode paths = api.path("paths");
        JsonNode history = paths.path("/api/v1/conversations/{conversationId}/messages").path("get");
        assertThat(history.isMissingNode()).isFalse();
        assertThat(names(history.path("parameters")))
                .contains("conversationId", "after_seq", "limit");
        assertThat(paths.path("/api/v1/messages/{fromUserId}/{messageId}").has("get")).isTrue();
        assertThat(paths.path("/api/v1/messages/{messageId}").has("get")).isTrue();
        JsonNode schemas = api.path("components").path("schemas");
        assertThat(keys(schemas.path("HistoryPage").path("properties")))
                .contains("conversation_id", "messages", "next_after_seq");
        assertThat(keys(schemas.path("StoredMessage").path("properties")))
                .contains("message_id", "from_user_id", "accepted_at", "stored_at");
    }

    @Test
    void theSwaggerUiIsServedFromTheJarWithoutTheTokenAndSendsItWithItsRequests() throws Exception {
        checks().swaggerUiIsServedWithoutTheTokenAndSendsIt();
    }
}
