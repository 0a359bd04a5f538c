package io.impipeline.platform.kafka;

import io.impipeline.platform.autoconfigure.InstanceProperties;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import java.util.Map;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.kafka.config.AbstractKafkaListenerContainerFactory;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.ConsumerFactory;

/** Static group membership and the session timeout for every Spring Kafka listener (see {@link MembershipProperties}). */
@AutoConfiguration(afterName = "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration")
@ConditionalOnClass(AbstractKafkaListenerContainerFactory.class)
@EnableConfigurationProperties(MembershipProperties.class)
public class ImKafkaAutoConfiguration {

    /** Applied to the containers just before they start; an app without listeners has no registry: nothing to do. */
    @Bean
    StaticMembership imStaticMembership(Environment environment, ObjectProvider<KafkaListenerEndpointRegistry> registry,
                                        ObjectProvider<ConsumerFactory<?, ?>> consumers,
                                        @Value("${spring.application.name:im-app}") String app) {
        Binder binder = Binder.get(environment);
        MembershipProperties settings = binder.bindOrCreate(MembershipProperties.PREFIX,
                Bindable.of(MembershipProperties.class));
        InstanceProperties instance = binder.bindOrCreate("im", Bindable.of(InstanceProperties.class));
        ConsumerFactory<?, ?> consumerFactory = consumers.getIfUnique();
        Map<String, Object> appConfig = consumerFactory == null ? Map.of()
                : consumerFactory.getConfigurationProperties();
        return new StaticMembership(registry, Membership.consumerProperties(settings, app, instance.instanceId()),
                appConfig);
    }
}
