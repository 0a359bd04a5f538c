package io.impipeline.router.config;

import io.impipeline.model.topics.TopicSpec;
import io.impipeline.platform.topics.TopicMisconfiguredException;
import org.apache.kafka.clients.admin.TopicDescription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * Group batches are computed for the configured partition count of {@code im-routed-topic}
 * ({@code im.topics.specs.routed.partitions}): a batch lists the members that hash to its partition. Gateways key
 * presence by user with the real count of {@code im-presence-topic}, which the dispatcher checks equals the real
 * count of {@code im-routed-topic}. If the real count differed from the configured one, batches would land where
 * the dispatcher does not hold their members' presence (they would all look offline), silently. So the router
 * refuses to start instead; shared-platform's topic check only warns about such a difference.
 *
 * <p>Runs after {@code KafkaAdmin} has provisioned the topics and shared-platform's topic layout check has waited for
 * them to be described, and before the binder starts the streams. Partitions can only be added to a topic, never
 * removed: after adding some, restart the router (and the dispatcher) with the new count.
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
        log.info("group batches are computed for {} partitions of {} (the topic's real count)", routed.partitions(),
                routed.name());
        running = true;
    }

    static void verify(TopicSpec configured, int actual) {
        if (actual != configured.partitions()) {
            throw new TopicMisconfiguredException("topic " + configured.name() + " has " + actual
                    + " partitions but im.topics.specs.routed.partitions is " + configured.partitions()
                    + "; group batches are written to the partition their members hash to, so the router needs the"
                    + " real count: set im.topics.specs.routed.partitions=" + actual);
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
