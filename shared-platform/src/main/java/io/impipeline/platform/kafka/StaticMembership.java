package io.impipeline.platform.kafka;

import java.util.Map;
import java.util.Properties;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.AbstractMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.MessageListenerContainer;

/**
 * Gives every listener container of the app that joins a consumer group the membership settings
 * ({@link MembershipProperties}: a stable {@code group.instance.id}, the session timeout) as container-level consumer
 * properties, just before the containers start. A restarted instance then takes its partitions back at once instead
 * of waiting for its old member's session (45 s by default) to expire.
 *
 * <p>Why not on the container factories: spring-kafka does not copy a factory's {@code kafkaConsumerProperties} to
 * the containers it makes ({@code AbstractKafkaListenerContainerFactory.initializeContainer} excludes them), so
 * settings put there never reached a consumer (seen in the chaos harness: the task-worker's consumers had
 * {@code group.instance.id = null}). A container with explicit partitions (no group membership) is left alone, and so
 * is a consumer made outside a container (topic replay). What the app configured on its consumer factory wins.
 * spring-kafka appends {@code -0}, {@code -1}... to the instance id of the consumers of a concurrent container.
 */
public class StaticMembership implements SmartLifecycle {

    private final ObjectProvider<KafkaListenerEndpointRegistry> registry;
    private final Properties membership;
    private final Map<String, Object> appConsumerConfig;
    private volatile boolean running;

    /** @param appConsumerConfig the configuration of the app's consumer factory (what it set itself wins) */
    public StaticMembership(ObjectProvider<KafkaListenerEndpointRegistry> registry, Properties membership,
                            Map<String, Object> appConsumerConfig) {
        this.registry = registry;
        this.membership = membership;
        this.appConsumerConfig = appConsumerConfig;
    }

    @Override
    public void start() {
        KafkaListenerEndpointRegistry containers = registry.getIfAvailable();
        if (containers != null) {
            for (MessageListenerContainer container : containers.getAllListenerContainers()) {
                apply(container.getContainerProperties());
            }
        }
        running = true;
    }

    void apply(ContainerProperties container) {
        if (container.getTopicPartitions() != null) {
            return;
        }
        Properties merged = new Properties();
        membership.forEach((key, value) -> {
            if (!appConsumerConfig.containsKey(String.valueOf(key))) {
                merged.put(key, value);
            }
        });
        merged.putAll(container.getKafkaConsumerProperties());
        container.setKafkaConsumerProperties(merged);
    }

    @Override
    public void stop() {
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Just before the registry starts the containers (they start in the containers' default phase). */
    @Override
    public int getPhase() {
        return AbstractMessageListenerContainer.DEFAULT_PHASE - 1;
    }
}
