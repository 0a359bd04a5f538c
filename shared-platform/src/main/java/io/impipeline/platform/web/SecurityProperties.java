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
 * @param openPaths    path patterns served without a token (health probes)
 */
@Validated
@ConfigurationProperties("im.security")
public record SecurityProperties(
        @DefaultValue("") String serviceToken,
        @DefaultValue("X-Service-Token") @NotBlank String tokenHeader,
        @DefaultValue({"/actuator/health", "/actuator/health/**", "/actuator/info"}) List<String> openPaths) {
}
