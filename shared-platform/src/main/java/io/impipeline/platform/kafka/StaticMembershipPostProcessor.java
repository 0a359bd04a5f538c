package io.impipeline.platform.kafka;

import java.util.Properties;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.kafka.config.AbstractKafkaListenerContainerFactory;

/**
 * Gives every listener container of the app the group membership settings ({@link MembershipProperties}) as
 * container-level consumer properties, so that only group members get them (an assigned consumer, such as a topic
 * replay's, must not carry a {@code group.instance.id}). spring-kafka appends {@code -n} to the instance id of each
 * consumer of a concurrent container.
 */
public class StaticMembershipPostProcessor implements BeanPostProcessor {

    private final Properties membership;

    public StaticMembershipPostProcessor(Properties membership) {
        this.membership = membership;
    }

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        if (bean instanceof AbstractKafkaListenerContainerFactory<?, ?, ?> factory) {
            Properties merged = new Properties();
            membership.forEach((key, value) -> {
                // What the app configured itself (consumer factory, e.g. spring.kafka.consumer.properties.*) wins.
                if (factory.getConsumerFactory() == null
                        || !factory.getConsumerFactory().getConfigurationProperties().containsKey(key)) {
                    merged.put(key, value);
                }
            });
            merged.putAll(factory.getContainerProperties().getKafkaConsumerProperties());
            factory.getContainerProperties().setKafkaConsumerProperties(merged);
        }
        return bean;
    }
}
