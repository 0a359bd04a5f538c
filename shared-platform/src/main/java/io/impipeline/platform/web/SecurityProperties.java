package io.impipeline.platform.web;

import java.util.List;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Service-token protection of the HTTP endpoints ({@code im.security.*}).
 *
 * @param serviceToken the shared secret; when empty every protected endpoint answers 401 (secure by default)
 * @param tokenHeader  header that carries it; {@code Authorization: Bearer <token>} is accepted as well
 * @param openPaths    path patterns served without a token: health probes, and the Swagger UI's page and static files
 *                     (a browser cannot add the header to a page it opens; the page asks for the token and sends it
 *                     with its requests, see {@link ServiceTokenSwaggerIndexTransformer}); the OpenAPI description
 *                     ({@code /v3/api-docs/**}) is not open
 * @param appOpenPaths further patterns an app serves without a token, on top of {@code openPaths} (the dlq-handler's
 *                     console page and files): a list in an app's yml replaces a default list, so an app that
 *                     opened a path through {@code openPaths} had to repeat the shared defaults
 */
@Validated
@ConfigurationProperties("im.security")
public record SecurityProperties(
        @DefaultValue("") String serviceToken,
        @DefaultValue("X-Service-Token") @NotBlank String tokenHeader,
        @DefaultValue({"/actuator/health", "/actuator/health/**", "/actuator/info", "/swagger-ui.html", "/swagger-ui/**"})
        List<String> openPaths,
        @DefaultValue({}) List<String> appOpenPaths) {

    /** {@code openPaths} and {@code appOpenPaths}. */
    public java.util.stream.Stream<String> allOpenPaths() {
        return java.util.stream.Stream.concat(openPaths.stream(), appOpenPaths.stream());
    }
}
