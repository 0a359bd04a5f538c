package io.impipeline.platform.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import io.impipeline.model.topics.ImTopicsProperties;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Defaults every app of the pipeline shares, at the lowest precedence so that {@code application.yml}, profiles,
 * environment variables and command-line arguments all override them: producers with {@code acks=all},
 * idempotence and lz4 (also for Kafka Streams' producers); observation (trace propagation through Kafka headers)
 * on templates and listeners; snake_case JSON in the REST APIs like on the wire; health probes (details only with the service token) and
 * Prometheus.
 */
public class ImDefaultsEnvironmentPostProcessor implements EnvironmentPostProcessor {

    static final String SOURCE_NAME = "imPipelineDefaults";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.getPropertySources().contains(SOURCE_NAME)) {
            return;
        }
        Map<String, Object> defaults = new LinkedHashMap<>();
        defaults.put("spring.kafka.producer.acks", "all");
        defaults.put("spring.kafka.producer.compression-type", "lz4");
        defaults.put("spring.kafka.producer.properties.enable.idempotence", "true");
        defaults.put("spring.kafka.template.observation-enabled", "true");
        defaults.put("spring.kafka.listener.observation-enabled", "true");
        defaults.put("spring.cloud.stream.kafka.streams.binder.configuration.producer.compression.type", "lz4");
        defaults.put("spring.cloud.stream.kafka.streams.binder.configuration.producer.acks", "all");
        // Room for what the pipeline derives from the largest accepted record (see im.topics.max-message-bytes).
        // One knob: producers, and the validator's limit for derived records, follow im.topics.max-message-bytes.
        String maxRequest = "${im.topics.max-message-bytes:" + ImTopicsProperties.DEFAULT_MAX_MESSAGE_BYTES + "}";
        defaults.put("im.validation.max-derived-record-bytes", maxRequest);
        defaults.put("spring.kafka.producer.properties.max.request.size", maxRequest);
        defaults.put("spring.cloud.stream.kafka.streams.binder.configuration.producer.max.request.size", maxRequest);
        defaults.put("spring.jackson.property-naming-strategy", "SNAKE_CASE");
        defaults.put("management.endpoints.web.exposure.include", "health,info,prometheus,metrics");
        defaults.put("management.endpoint.health.probes.enabled", "true");
        // Health is open to probes without a token; its details (database, broker, streams) only with the token
        // (ServiceTokenFilter makes a request with the token an authorized one).
        defaults.put("management.endpoint.health.show-details", "when-authorized");
        defaults.put("management.endpoint.health.show-components", "when-authorized");
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE_NAME, defaults));
    }
}
