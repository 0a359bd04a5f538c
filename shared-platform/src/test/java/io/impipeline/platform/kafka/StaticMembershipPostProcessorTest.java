package io.impipeline.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;

class StaticMembershipPostProcessorTest {

    private final StaticMembershipPostProcessor processor = new StaticMembershipPostProcessor(
            Membership.consumerProperties(new MembershipProperties(true, Duration.ofSeconds(10)), "task-worker",
                    "worker-0"));

    @Test
    void everyListenerFactoryGetsAStableGroupInstanceIdAndTheSessionTimeout() {
        ConcurrentKafkaListenerContainerFactory<String, String> factory = new ConcurrentKafkaListenerContainerFactory<>();
        factory.setConsumerFactory(new DefaultKafkaConsumerFactory<>(Map.of()));
        processor.postProcessBeforeInitialization(factory, "factory");
        assertThat(factory.getContainerProperties().getKafkaConsumerProperties())
                .containsEntry("group.instance.id", "task-worker-worker-0")
                .containsEntry("session.timeout.ms", "10000");
    }

    @Test
    void whatTheAppConfiguredOnItsConsumerFactoryWins() {
        ConcurrentKafkaListenerContainerFactory<String, String> factory = new ConcurrentKafkaListenerContainerFactory<>();
        factory.setConsumerFactory(new DefaultKafkaConsumerFactory<>(Map.of("session.timeout.ms", "6000")));
        processor.postProcessBeforeInitialization(factory, "factory");
        assertThat(factory.getContainerProperties().getKafkaConsumerProperties())
                .doesNotContainKey("session.timeout.ms")
                .containsEntry("group.instance.id", "task-worker-worker-0");
    }
}
