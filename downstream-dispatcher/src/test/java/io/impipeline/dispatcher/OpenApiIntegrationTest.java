package io.impipeline.dispatcher;

import io.impipeline.testkit.OpenApiChecks;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.kafka.test.context.EmbeddedKafka;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dispatcher's OpenAPI description ({@code /v3/api-docs}) lists its endpoints, behind the service token like them;
 * the Swagger UI page is served from the jar without the token and sends it with its requests (docs/api.md).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.kafka.bootstrap-servers=${spring.embedded.kafka.brokers}",
        "im.topics.replication-factor=1",
        "im.streams.state-dir=target/kafka-streams/openapi-${random.uuid}",
        "im.security.service-token=" + OpenApiIntegrationTest.TOKEN})
@EmbeddedKafka(partitions = 1)
class OpenApiIntegrationTest {

    static final String TOKEN = "test-token";

    @LocalServerPort
    int port;

    private OpenApiChecks checks() {
        return new OpenApiChecks(port, TOKEN);
    }

    @Test
    void theDescriptionNeedsTheServiceTokenAndHealthProbesStayOpen() throws Exception {
        checks().descriptionNeedsTheTokenAndHealthProbesStayOpen();
    }

    @Test
    void theDescriptionListsTheEndpointsUnderItsNameWithTheTokenAsSecurityScheme() throws Exception {
        JsonNode paths = checks().description("downstream-dispatcher").path("paths");
        assertThat(paths.path("/api/v1/presence/{userId}").has("get")).isTrue();
        assertThat(paths.path("/api/v1/gateways").has("get")).isTrue();
        assertThat(paths.path("/api/v1/trace-writing").has("get")).isTrue();
        assertThat(paths.path("/api/v1/trace-writing").has("put")).isTrue();
    }

    @Test
    void theSwaggerUiIsServedFromTheJarWithoutTheTokenAndSendsItWithItsRequests() throws Exception {
        checks().swaggerUiIsServedWithoutTheTokenAndSendsIt();
    }
}
