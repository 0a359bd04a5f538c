package io.impipeline.platform.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.springdoc.webmvc.ui.SwaggerIndexTransformer;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.Resource;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@link ServiceTokenSwaggerIndexTransformer} does to the Swagger UI's files (the apps' tests load the page). */
class OpenApiSwaggerInitializerTest {

    private static final String INITIALIZER = """
            window.onload = function() {
              window.ui = SwaggerUIBundle({
                url: "https://petstore.swagger.io/v2/swagger.json",
                dom_id: '#swagger-ui',
                layout: "StandaloneLayout"
              });
            };
            """;

    /** springdoc's own transformer, reduced to handing the file on. */
    private static final SwaggerIndexTransformer SPRINGDOC = (request, resource, chain) -> resource;

    private static Resource file(String name, String content) {
        return new ByteArrayResource(content.getBytes(StandardCharsets.UTF_8)) {
            @Override
            public String getFilename() {
                return name;
            }

            @Override
            public long lastModified() {
                return 0;
            }
        };
    }

    private static String transform(String header, Resource resource) throws IOException {
        return new ServiceTokenSwaggerIndexTransformer(SPRINGDOC, header).transform(null, resource, null)
                .getContentAsString(StandardCharsets.UTF_8);
    }

    @Test
    void theInitializerSendsTheTokenHeaderAndLoadsNothingFromAnotherOrigin() throws IOException {
        String js = transform("X-Service-Token", file("swagger-initializer.js", INITIALIZER));

        assertThat(js).contains("SwaggerUIBundle({\n    // im-pipeline", "requestInterceptor: (request) => {",
                "request.headers[\"X-Service-Token\"] = token", "window.sessionStorage",
                "preauthorizeApiKey(\"serviceToken\", token)", "dom_id: '#swagger-ui'");
        assertThat(js).doesNotContain("petstore", "localStorage");
    }

    @Test
    void aHeaderNameCannotBreakOutOfItsJavaScriptString() throws IOException {
        String js = transform("X-\"Token</script>", file("swagger-initializer.js", INITIALIZER));

        assertThat(js).contains("\"X-\\\"Token\\u003c/script\\u003e\"").doesNotContain("</script>");
    }

    @Test
    void otherFilesAreLeftAsTheyAre() throws IOException {
        Resource css = file("swagger-ui.css", "body { color: red } /* SwaggerUIBundle({ */");

        assertThat(transform("X-Service-Token", css)).isEqualTo("body { color: red } /* SwaggerUIBundle({ */");
    }

    @Test
    void theSnakeCaseStrategyIsFoundByTheNameSpringBootUses() {
        assertThat(OpenApiConfiguration.jackson2Strategy("SNAKE_CASE"))
                .isSameAs(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE);
        assertThat(OpenApiConfiguration.jackson2Strategy("com.example.Custom")).isNull();
        assertThat(OpenApiConfiguration.projectVersion()).matches("\\d+\\.\\d+\\.\\d+.*");
    }
}
