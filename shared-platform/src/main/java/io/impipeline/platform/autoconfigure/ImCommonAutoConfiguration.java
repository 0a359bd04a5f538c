package io.impipeline.platform.autoconfigure;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;

import io.impipeline.model.codec.ValidationLimits;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.platform.query.StoreQueries;
import io.impipeline.model.tasks.TasksProperties;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.platform.topics.TopicLayoutCheck;
import io.impipeline.platform.topics.TopicProvisioner;
import io.impipeline.platform.tracing.StreamTracing;
import io.micrometer.tracing.Tracer;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.env.Environment;
import io.micrometer.tracing.propagation.Propagator;
import io.impipeline.platform.web.SecurityProperties;
import io.impipeline.platform.messagetrace.TraceSwitch;
import io.impipeline.platform.web.ServiceTokenFilter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MeterRegistryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.cloud.stream.binder.kafka.streams.InteractiveQueryService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.web.client.RestClient;

/** What every app of the pipeline gets: topic provisioning and checks, the validator, metric tags, security. */
@AutoConfiguration(after = KafkaAutoConfiguration.class, afterName = {
        "org.springframework.cloud.stream.binder.kafka.streams.KafkaStreamsBinderSupportAutoConfiguration",
        "org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration",
        "org.springframework.boot.micrometer.tracing.autoconfigure.NoopTracerAutoConfiguration"})
@EnableConfigurationProperties({InstanceProperties.class, TraceProperties.class})
public class ImCommonAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    ImTopicsProperties imTopicsProperties(Environment environment, ObjectProvider<Validator> validator) {
        return ContractProperties.bind(environment, "im.topics", ImTopicsProperties.class, validator(validator));
    }

    @Bean
    @ConditionalOnMissingBean
    ValidationLimits validationLimits(Environment environment, ObjectProvider<Validator> validator) {
        return ContractProperties.bind(environment, "im.validation", ValidationLimits.class, validator(validator));
    }

    @Bean
    @ConditionalOnMissingBean
    TasksProperties tasksProperties(Environment environment, ObjectProvider<Validator> validator) {
        return ContractProperties.bind(environment, "im.tasks", TasksProperties.class, validator(validator));
    }

    private static Validator validator(ObjectProvider<Validator> validator) {
        return validator.getIfAvailable(() -> Validation.buildDefaultValidatorFactory().getValidator());
    }

    @Bean
    @ConditionalOnMissingBean
    Clock imClock() {
        return Clock.systemUTC();
    }

    @Bean
    @ConditionalOnMissingBean
    WireValidator wireValidator(ValidationLimits limits, Clock clock) {
        return new WireValidator(limits, clock);
    }

    /**
     * Whether this app writes trace events now ({@code im.trace.enabled}, pausable at run time by the writers'
     * {@code /api/v1/trace-writing}); gauge {@code im.trace.writing} (1 writing, 0 not).
     */
    @Bean
    @ConditionalOnMissingBean
    TraceSwitch traceSwitch(TraceProperties trace, ObjectProvider<MeterRegistry> registry) {
        TraceSwitch traceSwitch = TraceSwitch.of(trace.on());
        registry.ifAvailable(r -> Gauge.builder("im.trace.writing", traceSwitch, s -> s.writing() ? 1 : 0)
                .description("1 while this instance writes message trace events, 0 when off or paused")
                .register(r));
        return traceSwitch;
    }

    @Bean
    TopicProvisioner topicProvisioner(ImTopicsProperties topics) {
        return new TopicProvisioner(topics);
    }

    /** The topics this app uses ({@code im.topics.provision}), created by {@link KafkaAdmin} at start-up. */
    @Bean
    KafkaAdmin.NewTopics imProvisionedTopics(TopicProvisioner provisioner) {
        return new KafkaAdmin.NewTopics(provisioner.provisioned().toArray(NewTopic[]::new));
    }

    @Bean
    @ConditionalOnBean(KafkaAdmin.class)
    TopicLayoutVerifier imTopicLayoutVerifier(KafkaAdmin kafkaAdmin, ImTopicsProperties topics) {
        return new TopicLayoutVerifier(kafkaAdmin, new TopicLayoutCheck(topics));
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(Tracer.class)
    static class Tracing {

        @Bean
        @ConditionalOnBean({Tracer.class, Propagator.class})
        StreamTracing streamTracing(Tracer tracer, Propagator propagator) {
            return new StreamTracing(tracer, propagator);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({MeterRegistry.class, MeterRegistryCustomizer.class})
    static class MetricsTags {

        /** Tags every meter with the app and the instance, so that dashboards can tell replicas apart. */
        @Bean
        MeterRegistryCustomizer<MeterRegistry> imCommonTags(
                @Value("${spring.application.name:im-app}") String application, InstanceProperties instance) {
            return registry -> registry.config().commonTags("application", application,
                    "instance", instance.instanceId());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @EnableConfigurationProperties(SecurityProperties.class)
    static class Web {

        @Bean
        FilterRegistrationBean<ServiceTokenFilter> serviceTokenFilter(SecurityProperties security) {
            FilterRegistrationBean<ServiceTokenFilter> registration =
                    new FilterRegistrationBean<>(new ServiceTokenFilter(security));
            registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
            return registration;
        }

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(InteractiveQueryService.class)
        static class Queries {

            private static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(5);

            @Bean
            @ConditionalOnBean(InteractiveQueryService.class)
            StoreQueries storeQueries(InteractiveQueryService queries, SecurityProperties security) {
                JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(HttpClient.newBuilder()
                        .connectTimeout(FORWARD_TIMEOUT).build());
                factory.setReadTimeout(FORWARD_TIMEOUT);
                return new StoreQueries(queries, RestClient.builder().requestFactory(factory).build(), security);
            }
        }
    }
}
