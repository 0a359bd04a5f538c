package io.impipeline.platform.web;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.util.Properties;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.PropertyNamingStrategy;
import io.swagger.v3.core.converter.ModelConverters;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springdoc.core.customizers.GlobalOpenApiCustomizer;
import org.springdoc.core.providers.ObjectMapperProvider;
import org.springdoc.webmvc.ui.SwaggerIndexTransformer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ClassPathResource;

/**
 * The OpenAPI description of every app's REST endpoints (springdoc: {@code /v3/api-docs}, Swagger UI at
 * {@code /swagger-ui.html}), imported by {@link ImWebAutoConfiguration}. See docs/api.md.
 * <ul>
 *   <li>Title and version: the app ({@code spring.application.name}) and the project version.</li>
 *   <li>The service token as the security scheme of every operation (an apiKey in the {@code im.security.token-header}
 *       header), so that the UI's "Authorize" button works, and its 401 answer on every operation.</li>
 *   <li>Schemas named as on the wire: swagger-core resolves models with a Jackson 2 mapper of its own, which does not
 *       see {@code spring.jackson.property-naming-strategy} (the apps' Jackson 3 mapper has SNAKE_CASE); the model
 *       resolver here applies the same strategy.</li>
 *   <li>The Swagger UI page asks for the token once per browser tab and sends it with every request it makes
 *       ({@link ServiceTokenSwaggerIndexTransformer}): its static files are open paths, the description is not.</li>
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass({OpenAPI.class, ObjectMapperProvider.class})
@ConditionalOnBooleanProperty(name = "springdoc.api-docs.enabled", matchIfMissing = true)
@EnableConfigurationProperties(SecurityProperties.class)
public class OpenApiConfiguration {

    /** The key of the service token in {@code components.securitySchemes}. */
    public static final String SECURITY_SCHEME = "serviceToken";

    private static final Logger log = LoggerFactory.getLogger(OpenApiConfiguration.class);
    private static final String BUILD_INFO = "io/impipeline/platform/web/build-info.properties";

    @Bean
    @ConditionalOnMissingBean
    OpenAPI imOpenApi(Environment environment, SecurityProperties security) {
        String app = environment.getProperty("spring.application.name", "im-app");
        String header = security.tokenHeader();
        return new OpenAPI()
                .info(new Info().title(app).version(projectVersion())
                        .description("REST API of " + app + ", one of the im-pipeline apps. Every operation needs"
                                + " the service token, in the header " + header + " (or Authorization: Bearer)."
                                + " JSON field and parameter names are snake_case, as on the wire."))
                .components(new Components().addSecuritySchemes(SECURITY_SCHEME, new SecurityScheme()
                        .type(SecurityScheme.Type.APIKEY).in(SecurityScheme.In.HEADER).name(header)
                        .description("The service token (im.security.service-token); without it every"
                                + " endpoint answers 401 UNAUTHORIZED.")))
                .addSecurityItem(new SecurityRequirement().addList(SECURITY_SCHEME));
    }

    /**
     * Every operation may answer 401 with an {@link ApiError} ({@code UNAUTHORIZED}): the service-token filter's
     * answer, which no controller declares.
     */
    @Bean
    GlobalOpenApiCustomizer imUnauthorizedResponses(ObjectMapperProvider springdocMappers) {
        return openApi -> {
            if (openApi.getPaths() == null || openApi.getPaths().isEmpty()) {
                return;
            }
            if (openApi.getComponents() == null) {
                openApi.setComponents(new Components());
            }
            ModelConverters.getInstance(springdocMappers.isOpenapi31()).read(ApiError.class)
                    .forEach((name, schema) -> {
                        if (openApi.getComponents().getSchemas() == null
                                || !openApi.getComponents().getSchemas().containsKey(name)) {
                            openApi.getComponents().addSchemas(name, schema);
                        }
                    });
            Content apiError = new Content().addMediaType(org.springframework.http.MediaType.APPLICATION_JSON_VALUE,
                    new MediaType().schema(new Schema<>().$ref(Components.COMPONENTS_SCHEMAS_REF
                            + ApiError.class.getSimpleName())));
            openApi.getPaths().values().forEach(path -> path.readOperations().forEach(operation -> {
                if (operation.getResponses() == null) {
                    operation.setResponses(new ApiResponses());
                }
                operation.getResponses().computeIfAbsent("401", code -> new ApiResponse()
                        .description("No service token, or a wrong one (error UNAUTHORIZED)").content(apiError));
            }));
        };
    }

    /**
     * Replaces swagger-core's default model resolver (same class: springdoc's registrar removes the default) by one
     * whose Jackson 2 mapper names properties like the app's JSON. First in springdoc's list of converters, so last
     * in swagger-core's chain, where the default one was: springdoc's own converters (ResponseEntity, Optional, ...)
     * still come before it.
     */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    @ConditionalOnProperty("spring.jackson.property-naming-strategy")
    ModelResolver imNamingModelResolver(ObjectMapperProvider springdocMappers, Environment environment) {
        String name = environment.getRequiredProperty("spring.jackson.property-naming-strategy");
        ObjectMapper mapper = springdocMappers.jsonMapper().copy();
        PropertyNamingStrategy strategy = jackson2Strategy(name);
        if (strategy != null) {
            mapper.setPropertyNamingStrategy(strategy);
        } else {
            log.warn("OpenAPI schemas keep Java property names: spring.jackson.property-naming-strategy={} is not"
                    + " one of Jackson's PropertyNamingStrategies", name);
        }
        return new ModelResolver(mapper).openapi31(springdocMappers.isOpenapi31());
    }

    /** The UI page sends the service token with its requests, and asks for it (see the class). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springdoc.webmvc.ui.SwaggerIndexTransformer")
    @ConditionalOnBooleanProperty(name = "springdoc.swagger-ui.enabled", matchIfMissing = true)
    static class SwaggerUi {

        @Bean
        static BeanPostProcessor imSwaggerIndexTokenPrompt(ObjectProvider<SecurityProperties> security) {
            return new BeanPostProcessor() {
                @Override
                public Object postProcessAfterInitialization(Object bean, String beanName) {
                    if (bean instanceof SwaggerIndexTransformer transformer
                            && !(bean instanceof ServiceTokenSwaggerIndexTransformer)) {
                        return new ServiceTokenSwaggerIndexTransformer(transformer,
                                security.getObject().tokenHeader());
                    }
                    return bean;
                }
            };
        }
    }

    /** A Jackson 2 strategy by its {@link PropertyNamingStrategies} constant name (SNAKE_CASE, ...), else null. */
    static PropertyNamingStrategy jackson2Strategy(String name) {
        try {
            Field field = PropertyNamingStrategies.class.getField(name.trim());
            return field.get(null) instanceof PropertyNamingStrategy strategy ? strategy : null;
        } catch (NoSuchFieldException | IllegalAccessException e) {
            return null;
        }
    }

    /** The project version, written at build time by spring-boot-maven-plugin's build-info (shared-platform pom). */
    static String projectVersion() {
        ClassPathResource resource = new ClassPathResource(BUILD_INFO, OpenApiConfiguration.class.getClassLoader());
        if (resource.exists()) {
            try (InputStream in = resource.getInputStream()) {
                Properties properties = new Properties();
                properties.load(in);
                String version = properties.getProperty("build.version");
                if (version != null && !version.isBlank()) {
                    return version;
                }
            } catch (IOException e) {
                log.warn("cannot read {}", BUILD_INFO, e);
            }
        }
        String manifest = OpenApiConfiguration.class.getPackage().getImplementationVersion();
        return manifest != null ? manifest : "unknown";
    }
}
