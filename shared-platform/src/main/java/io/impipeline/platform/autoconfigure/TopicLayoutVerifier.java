package io.impipeline.platform.autoconfigure;

import org.apache.kafka.clients.admin.Admin;
import io.impipeline.platform.topics.TopicLayoutCheck;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * Runs {@link TopicLayoutCheck} at the start of the lifecycle: after {@link KafkaAdmin} has created the topics
 * (it does so when the singletons are ready) and before the Kafka Streams and listener containers start.
 */
final class TopicLayoutVerifier implements SmartLifecycle {

    /** Early: every container of spring-kafka and the binder starts in a later phase. */
    static final int PHASE = Integer.MIN_VALUE + 1000;

    private final KafkaAdmin kafkaAdmin;
    private final TopicLayoutCheck check;
    private volatile boolean running;

    TopicLayoutVerifier(KafkaAdmin kafkaAdmin, TopicLayoutCheck check) {
        this.kafkaAdmin = kafkaAdmin;
        this.check = check;
    }

    @Override
    public void start() {
        try (Admin admin = Admin.create(kafkaAdmin.getConfigurationProperties())) {
            check.verify(admin);
        }
        running = true;
    }

    @Override
    public void stop() {
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
