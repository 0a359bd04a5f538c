package io.impipeline.dispatcher;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.kafka.test.context.EmbeddedKafka;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

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
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();

    @LocalServerPort
    int port;

    private HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
        if (token != null) {
            request.header("X-Service-Token", token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theDescriptionNeedsTheServiceTokenAndHealthProbesStayOpen() throws Exception {
        for (String path : List.of("/v3/api-docs", "/v3/api-docs.yaml", "/v3/api-docs/swagger-config")) {
            HttpResponse<String> without = get(path, null);
            assertThat(without.statusCode()).as(path).isEqualTo(401);
            assertThat(JSON.readTree(without.body()).path("error").asString()).isEqualTo("UNAUTHORIZED");
            assertThat(get(path, "wrong-token").statusCode()).as(path).isEqualTo(401);
            assertThat(get(path, TOKEN).statusCode()).as(path).isEqualTo(200);
        }
        assertThat(get("/actuator/health", null).statusCode()).isNotEqualTo(401);
        assertThat(get("/actuator/prometheus", null).statusCode()).isEqualTo(401);
    }

    @Test
    void theDescriptionListsTheEndpointsUnderItsNameWithTheTokenAsSecurityScheme() throws Exception {
        HttpResponse<String> answer = get("/v3/api-docs", TOKEN);
        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode api = JSON.readTree(answer.body());

        assertThat(api.path("info").path("title").asString()).isEqualTo("downstream-dispatcher");
        assertThat(api.path("info").path("version").asString()).matches("\\d+\\.\\d+\\.\\d+.*");
        JsonNode scheme = api.path("components").path("securitySchemes").path("serviceToken");
        assertThat(scheme.path("type").asString()).isEqualTo("apiKey");
        assertThat(scheme.path("in").asString()).isEqualTo("header");
        assertThat(scheme.path("name").asString()).isEqualTo("X-Service-Token");
        assertThat(api.path("security").get(0).has("serviceToken")).isTrue();

        JsonNode paths = api.path("paths");
        assertThat(paths.path("/api/v1/presence/{userId}").has("get")).isTrue();
        assertThat(paths.path("/api/v1/gateways").has("get")).isTrue();
        assertThat(operationsWithout401(api)).as("every operation may answer 401 (the token filter)").isEmpty();
        assertThat(api.path("components").path("schemas").path("ApiError").path("properties").has("error")).isTrue();
        assertThat(camelCaseProperties(api)).as("schema properties are snake_case, as on the wire").isEmpty();
    }

    @Test
    void theSwaggerUiIsServedFromTheJarWithoutTheTokenAndSendsItWithItsRequests() throws Exception {
        HttpResponse<String> page = get("/swagger-ui.html", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.uri().getPath()).isEqualTo("/swagger-ui/index.html");
        assertThat(page.body()).contains("id=\"swagger-ui\"").doesNotContain("src=\"http");
        assertThat(get("/swagger-ui/swagger-ui-bundle.js", null).statusCode()).isEqualTo(200);

        HttpResponse<String> initializer = get("/swagger-ui/swagger-initializer.js", null);
        assertThat(initializer.statusCode()).isEqualTo(200);
        assertThat(initializer.body()).contains("requestInterceptor", "\"X-Service-Token\"",
                "/v3/api-docs/swagger-config").doesNotContain(TOKEN, "https://");
    }

    /** Every operation ("METHOD path") that does not describe a 401 answer. */
    static List<String> operationsWithout401(JsonNode api) {
        List<String> found = new ArrayList<>();
        for (var path : api.path("paths").properties()) {
            for (var operation : path.getValue().properties()) {
                if (!operation.getValue().path("responses").has("401")) {
                    found.add(operation.getKey() + " " + path.getKey());
                }
            }
        }
        return found;
    }

    /** Every schema property whose name has an upper-case letter ("Schema.property"). */
    static List<String> camelCaseProperties(JsonNode api) {
        List<String> found = new ArrayList<>();
        for (var schema : api.path("components").path("schemas").properties()) {
            for (var p : schema.getValue().path("properties").properties()) {
                String property = p.getKey();
                if (!property.equals(property.toLowerCase())) {
                    found.add(schema.getKey() + "." + property);
                }
            }
        }
        return found;
    }
}
