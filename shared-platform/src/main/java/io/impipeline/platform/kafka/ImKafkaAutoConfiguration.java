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
import org.springframework.kafka.config.AbstractKafkaListenerContainerFactory;

/** Static group membership and the session timeout for every Spring Kafka listener (see {@link MembershipProperties}). */
@AutoConfiguration
@ConditionalOnClass(AbstractKafkaListenerContainerFactory.class)
@EnableConfigurationProperties(MembershipProperties.class)
public class ImKafkaAutoConfiguration {

    // Static: a BeanPostProcessor is created before other beans, so it binds what it needs itself.
    @Bean
    static StaticMembershipPostProcessor imStaticMembership(Environment environment,
                                                            @Value("${spring.application.name:im-app}") String app) {
        Binder binder = Binder.get(environment);
        MembershipProperties settings = binder.bindOrCreate(MembershipProperties.PREFIX,
                Bindable.of(MembershipProperties.class));
        InstanceProperties instance = binder.bindOrCreate("im", Bindable.of(InstanceProperties.class));
        return new StaticMembershipPostProcessor(Membership.consumerProperties(settings, app, instance.instanceId()));
    }
}
