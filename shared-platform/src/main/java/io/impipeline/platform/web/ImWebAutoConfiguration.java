package io.impipeline.platform.web;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * One API error vocabulary for every app's REST endpoints ({@link ApiExceptionHandler}), and their OpenAPI
 * description ({@link OpenApiConfiguration}).
 *
 * <p>The error vocabulary is opt-in ({@code im.web.api-errors.enabled}): the task-worker and the dlq-handler turn it
 * on; the Streams apps answer their errors themselves and keep Spring Boot's error page for the rest, as before.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(DispatcherServlet.class)
@Import(OpenApiConfiguration.class)
public class ImWebAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBooleanProperty("im.web.api-errors.enabled")
    ApiExceptionHandler apiExceptionHandler() {
        return new ApiExceptionHandler();
    }
}
