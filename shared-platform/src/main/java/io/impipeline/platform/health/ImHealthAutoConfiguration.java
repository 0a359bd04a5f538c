package io.impipeline.platform.health;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * Health indicators shared by the apps: {@code kafka} ({@link KafkaHealthIndicator}) where
 * {@code im.health.kafka.enabled} is true. The bean is named {@code kafka}, the component name the apps' health
 * groups ({@code management.endpoint.health.group.*.include}) refer to.
 */
@AutoConfiguration(after = KafkaAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, KafkaAdmin.class})
@EnableConfigurationProperties(KafkaHealthProperties.class)
public class ImHealthAutoConfiguration {

    @Bean("kafka")
    @ConditionalOnBooleanProperty("im.health.kafka.enabled")
    @ConditionalOnBean(KafkaAdmin.class)
    @ConditionalOnMissingBean(name = "kafka")
    KafkaHealthIndicator kafkaHealthIndicator(KafkaAdmin kafkaAdmin, KafkaHealthProperties properties) {
        return new KafkaHealthIndicator(kafkaAdmin, properties.timeout());
    }
}
