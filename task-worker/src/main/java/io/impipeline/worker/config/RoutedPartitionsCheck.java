package io.impipeline.worker.config;

import io.impipeline.model.topics.TopicSpec;
import io.impipeline.platform.topics.TopicMisconfiguredException;
import org.apache.kafka.clients.admin.TopicDescription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * Group fan-outs write each group batch to the partition of {@code im-routed-topic} its members hash to, computed for
 * the configured partition count ({@code im.topics.specs.routed.partitions}). The dispatcher holds a member's
 * presence on the partition of the co-partitioned {@code im-presence-topic} that gateways key by user, for the
 * topic's real count. If the real count of {@code im-routed-topic} differed from the configured one, batches would
 * land where their members' presence is not (they would all look offline), silently. So the worker refuses to start;
 * shared-platform's topic check only warns about such a difference. (The router does the same check.)
 *
 * <p>Runs after {@code KafkaAdmin} has provisioned the topics and shared-platform's topic layout check, before any
 * listener container starts.
 */
final class RoutedPartitionsCheck implements SmartLifecycle {

    /** After shared-platform's TopicLayoutVerifier (Integer.MIN_VALUE + 1000), long before any container starts. */
    static final int PHASE = Integer.MIN_VALUE + 2000;

    private static final Logger log = LoggerFactory.getLogger(RoutedPartitionsCheck.class);

    private final KafkaAdmin kafkaAdmin;
    private final TopicSpec routed;
    private volatile boolean running;

    RoutedPartitionsCheck(KafkaAdmin kafkaAdmin, TopicSpec routed) {
        this.kafkaAdmin = kafkaAdmin;
        this.routed = routed;
    }

    @Override
    public void start() {
        TopicDescription description = kafkaAdmin.describeTopics(routed.name()).get(routed.name());
        verify(routed, description.partitions().size());
        log.info("group fan-outs are computed for {} partitions of {} (the topic's real count)", routed.partitions(),
                routed.name());
        running = true;
    }

    static void verify(TopicSpec configured, int actual) {
        if (actual != configured.partitions()) {
            throw new TopicMisconfiguredException("topic " + configured.name() + " has " + actual
                    + " partitions but im.topics.specs.routed.partitions is " + configured.partitions()
                    + "; group fan-outs write each batch to the partition its members hash to, so the worker needs"
                    + " the real count: set im.topics.specs.routed.partitions=" + actual);
        }
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
