package io.impipeline.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every app's OpenAPI description and Swagger UI must do (docs/api.md), checked over HTTP against a running
 * app: the description behind the service token, the app's title and version, the token as security scheme, a 401
 * on every operation, snake_case schemas as on the wire, the UI served from the jar without the token. Each app's
 * {@code OpenApiIntegrationTest} adds the endpoints it must list.
 */
public final class OpenApiChecks {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();

    private final int port;
    private final String token;

    public OpenApiChecks(int port, String token) {
        this.port = port;
        this.token = token;
    }

    public HttpResponse<String> get(String path, String withToken) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
        if (withToken != null) {
            request.header("X-Service-Token", withToken);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The description answers 401 without or with a wrong token, 200 with it; health stays open, metrics do not. */
    public void descriptionNeedsTheTokenAndHealthProbesStayOpen() throws IOException, InterruptedException {
        for (String path : List.of("/v3/api-docs", "/v3/api-docs.yaml", "/v3/api-docs/swagger-config")) {
            HttpResponse<String> without = get(path, null);
            assertThat(without.statusCode()).as(path).isEqualTo(401);
            assertThat(JSON.readTree(without.body()).path("error").asString()).isEqualTo("UNAUTHORIZED");
            assertThat(get(path, "wrong-token").statusCode()).as(path).isEqualTo(401);
            assertThat(get(path, token).statusCode()).as(path).isEqualTo(200);
        }
        assertThat(get("/actuator/health", null).statusCode()).isNotEqualTo(401);
        assertThat(get("/actuator/prometheus", null).statusCode()).isEqualTo(401);
    }

    /**
     * The description, checked for what every app's must have: {@code title}, a version, the token scheme, a 401 on
     * every operation, the error schema, snake_case properties. The caller checks its own endpoints on it.
     */
    public JsonNode description(String title) throws IOException, InterruptedException {
        HttpResponse<String> answer = get("/v3/api-docs", token);
        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode api = JSON.readTree(answer.body());

        assertThat(api.path("info").path("title").asString()).isEqualTo(title);
        assertThat(api.path("info").path("version").asString()).matches("\\d+\\.\\d+\\.\\d+.*");
        JsonNode scheme = api.path("components").path("securitySchemes").path("serviceToken");
        assertThat(scheme.path("type").asString()).isEqualTo("apiKey");
        assertThat(scheme.path("in").asString()).isEqualTo("header");
        assertThat(scheme.path("name").asString()).isEqualTo("X-Service-Token");
        assertThat(api.path("security").get(0).has("serviceToken")).isTrue();
        assertThat(operationsWithout401(api)).as("every operation may answer 401 (the token filter)").isEmpty();
        assertThat(api.path("components").path("schemas").path("ApiError").path("properties").has("error")).isTrue();
        assertThat(camelCaseProperties(api)).as("schema properties are snake_case, as on the wire").isEmpty();
        return api;
    }

    /** The UI page, its bundle and its initializer come without the token; the initializer sends it, never holds it. */
    public void swaggerUiIsServedWithoutTheTokenAndSendsIt() throws IOException, InterruptedException {
        HttpResponse<String> page = get("/swagger-ui.html", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.uri().getPath()).isEqualTo("/swagger-ui/index.html");
        assertThat(page.body()).contains("id=\"swagger-ui\"").doesNotContain("src=\"http");
        assertThat(get("/swagger-ui/swagger-ui-bundle.js", null).statusCode()).isEqualTo(200);

        HttpResponse<String> initializer = get("/swagger-ui/swagger-initializer.js", null);
        assertThat(initializer.statusCode()).isEqualTo(200);
        assertThat(initializer.body()).contains("requestInterceptor", "\"X-Service-Token\"",
                "/v3/api-docs/swagger-config").doesNotContain(token, "https://");
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

    /** The names of an object's properties. */
    public static List<String> keys(JsonNode node) {
        List<String> keys = new ArrayList<>();
        for (var p : node.properties()) {
            keys.add(p.getKey());
        }
        return keys;
    }

    /** The "name" of each element of an array (operation parameters). */
    public static List<String> names(JsonNode array) {
        List<String> names = new ArrayList<>();
        for (JsonNode element : array) {
            names.add(element.path("name").asString());
        }
        return names;
    }
}
