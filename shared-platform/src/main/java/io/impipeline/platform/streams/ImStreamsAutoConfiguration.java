package io.impipeline.platform.streams;

import org.apache.kafka.streams.KafkaStreams;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.cloud.stream.binder.kafka.streams.KafkaStreamsRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What both Kafka Streams apps share: their typed settings ({@code im.streams.*}, validated at start-up) and the
 * {@code streams} health indicator. Active only in an app that sets {@code im.streams.application-id}.
 */
@AutoConfiguration(afterName = "org.springframework.cloud.stream.binder.kafka.streams.KafkaStreamsBinderSupportAutoConfiguration")
@ConditionalOnClass({KafkaStreams.class, KafkaStreamsRegistry.class})
@ConditionalOnProperty(prefix = ImStreamsProperties.PREFIX, name = "application-id")
@EnableConfigurationProperties(ImStreamsProperties.class)
public class ImStreamsAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class Health {

        @Bean("streams")
        StreamsHealthIndicator streamsHealthIndicator(KafkaStreamsRegistry registry) {
            return new StreamsHealthIndicator(registry);
        }
    }
}
