package io.impipeline.platform.streams;

import java.time.Clock;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.streams.KafkaStreams;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.kafka.config.StreamsBuilderFactoryBeanConfigurer;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.cloud.stream.binder.kafka.streams.KafkaStreamsRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What both Kafka Streams apps share: their typed settings ({@code im.streams.*}, validated at start-up), the
 * thread failure policy, the {@code streams} (readiness) and {@code streamsLiveness} health indicators and the
 * {@code im_streams_running} gauge. Active only in an app that sets {@code im.streams.application-id}.
 */
@AutoConfiguration(afterName = "org.springframework.cloud.stream.binder.kafka.streams.KafkaStreamsBinderSupportAutoConfiguration")
@ConditionalOnClass({KafkaStreams.class, KafkaStreamsRegistry.class})
@ConditionalOnProperty(prefix = ImStreamsProperties.PREFIX, name = "application-id")
@EnableConfigurationProperties(ImStreamsProperties.class)
public class ImStreamsAutoConfiguration {

    /** Transient thread deaths replace the thread; others stop the client (then liveness fails). */
    @Bean
    @ConditionalOnMissingBean(StreamsBuilderFactoryBeanConfigurer.class)
    StreamsBuilderFactoryBeanConfigurer imStreamsFailurePolicy(ImStreamsProperties streams,
                                                               ObjectProvider<MeterRegistry> registry) {
        ThreadFailurePolicy policy = new ThreadFailurePolicy(registry.getIfAvailable(SimpleMeterRegistry::new),
                streams.threadReplacements(), streams.threadReplacementWindow(), Clock.systemUTC());
        return factory -> factory.setStreamsUncaughtExceptionHandler(policy);
    }

    /** 1 while every Kafka Streams client of the app runs, else 0: for an alert on a dead or stuck app. */
    @Bean
    @ConditionalOnBean(MeterRegistry.class)
    Gauge imStreamsRunningGauge(MeterRegistry registry, KafkaStreamsRegistry streams) {
        return Gauge.builder("im_streams_running", streams, s -> s.streamsBuilderFactoryBeans().stream()
                .allMatch(f -> f.getKafkaStreams() != null
                        && f.getKafkaStreams().state() == KafkaStreams.State.RUNNING) ? 1 : 0)
                .description("1 while every Kafka Streams client of the app is RUNNING")
                .register(registry);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class Health {

        /** Readiness: RUNNING only. */
        @Bean("streams")
        StreamsHealthIndicator streamsHealthIndicator(KafkaStreamsRegistry registry) {
            return new StreamsHealthIndicator(registry);
        }

        /** Liveness: not dead for good. */
        @Bean("streamsLiveness")
        StreamsLivenessIndicator streamsLivenessIndicator(KafkaStreamsRegistry registry) {
            return new StreamsLivenessIndicator(registry);
        }
    }
}
