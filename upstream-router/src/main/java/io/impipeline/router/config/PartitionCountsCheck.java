package io.impipeline.router.config;

import java.util.List;
import java.util.Map;

import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.topics.TopicSpec;
import io.impipeline.platform.topics.TopicMisconfiguredException;
import org.apache.kafka.clients.admin.TopicDescription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * The router computes with two configured partition counts that must be the real ones, or it misplaces records
 * silently; shared-platform's topic check only warns about such a difference. So the router refuses to start
 * instead, naming the property to set:
 * <ul>
 *   <li>{@code im-routed-topic} ({@code im.topics.specs.routed.partitions}): group batches list the members that
 *       hash to their partition. Gateways key presence by user with the real count of {@code im-presence-topic},
 *       which the dispatcher checks equals the real count of {@code im-routed-topic}; with another count batches
 *       would land where the dispatcher does not hold their members' presence (they would all look offline).</li>
 *   <li>{@code im-upstream-topic} ({@code im.topics.specs.upstream.partitions}): records keyed by the sender (the
 *       contract) are de-duplicated in the task of their upstream partition; records keyed otherwise are re-keyed
 *       through the by-sender repartition topic, created with the configured count. With another count a sender's
 *       records would be de-duplicated in two tasks (a retry keyed differently is not caught) and the dedup query
 *       would ask the wrong instance.</li>
 * </ul>
 *
 * <p>Runs after {@code KafkaAdmin} has provisioned the topics and shared-platform's topic layout check has waited for
 * them to be described, and before the binder starts the streams. Partitions can only be added to a topic, never
 * removed: after adding some, restart the router (and for im-routed-topic the dispatcher) with the new count.
 */
final class PartitionCountsCheck implements SmartLifecycle {

    /** After shared-platform's TopicLayoutVerifier (Integer.MIN_VALUE + 1000), long before any container starts. */
    static final int PHASE = Integer.MIN_VALUE + 2000;

    private static final Logger log = LoggerFactory.getLogger(PartitionCountsCheck.class);

    /** A configured count the router relies on: the topic, the property that sets it, and what relies on it. */
    record Checked(TopicSpec spec, String property, String reliedOnBy) {
    }

    private final KafkaAdmin kafkaAdmin;
    private final List<Checked> checked;
    private volatile boolean running;

    PartitionCountsCheck(KafkaAdmin kafkaAdmin, ImTopicsProperties topics) {
        this.kafkaAdmin = kafkaAdmin;
        this.checked = checked(topics);
    }

    static List<Checked> checked(ImTopicsProperties topics) {
        return List.of(
                new Checked(topics.spec(TopicKind.ROUTED), "im.topics.specs.routed.partitions",
                        "group batches are written to the partition their members hash to"),
                new Checked(topics.spec(TopicKind.UPSTREAM), "im.topics.specs.upstream.partitions",
                        "records not keyed by their sender are re-keyed through the by-sender repartition topic with"
                                + " that many partitions, and dedup needs them on the partition their sender's other"
                                + " records are on"));
    }

    @Override
    public void start() {
        String[] names = checked.stream().map(c -> c.spec().name()).toArray(String[]::new);
        Map<String, TopicDescription> descriptions = kafkaAdmin.describeTopics(names);
        for (Checked c : checked) {
            verify(c, descriptions.get(c.spec().name()).partitions().size());
            log.info("{} has the configured {} partitions ({})", c.spec().name(), c.spec().partitions(),
                    c.property());
        }
        running = true;
    }

    static void verify(Checked checked, int actual) {
        TopicSpec configured = checked.spec();
        if (actual != configured.partitions()) {
            throw new TopicMisconfiguredException("topic " + configured.name() + " has " + actual
                    + " partitions but " + checked.property() + " is " + configured.partitions() + "; "
                    + checked.reliedOnBy() + ", so the router needs the real count: set " + checked.property() + "="
                    + actual);
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
