package io.impipeline.worker.health;

import io.impipeline.worker.config.WorkerProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;

/** Health: the database ({@code db}, Boot's) and the broker ({@code kafka}, here). */
@Configuration(proxyBeanMethods = false)
public class HealthConfig {

    @Bean("kafka")
    KafkaBrokerHealthIndicator kafkaHealthIndicator(KafkaAdmin kafkaAdmin, WorkerProperties worker) {
        return new KafkaBrokerHealthIndicator(kafkaAdmin, worker.health().kafkaTimeout());
    }
}
