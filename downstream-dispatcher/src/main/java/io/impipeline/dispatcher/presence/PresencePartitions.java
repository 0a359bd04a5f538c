package io.impipeline.dispatcher.presence;

import java.util.function.IntSupplier;

import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * The partition count of {@code im-presence-topic}, read from the broker once before the streams start. Gateways key
 * presence by user with Kafka's default partitioner, so a user's presence is on partition
 * {@code RecipientPartitions.partitionOf(user, count)}, and {@code im-routed-topic} has the same count (co-partitioned,
 * checked at start by the shared {@code TopicLayoutCheck}): the dispatch step uses it to tell whether a routed
 * record's recipients belong to the partition (and so to the presence store) it was read from.
 * <p>
 * The broker's count, not the configured one: the layout check only warns when an existing topic differs from its
 * configuration, and then the existing count is what partitions the data. A change of partition count needs a
 * restart of the dispatcher (and re-keys every user's presence anyway).
 */
public final class PresencePartitions implements SmartLifecycle, IntSupplier {

    /**
     * After the topics are provisioned (KafkaAdmin does that once the singletons are ready, before any lifecycle
     * starts) and before the Kafka Streams binder starts the streams (its manager starts in a late phase).
     */
    static final int PHASE = 0;

    private final KafkaAdmin admin;
    private final String topic;
    private volatile int count;
    private volatile boolean running;

    public PresencePartitions(KafkaAdmin admin, String presenceTopic) {
        this.admin = admin;
        this.topic = presenceTopic;
    }

    @Override
    public void start() {
        // Fails the start-up with the admin client's reason when the topic cannot be described.
        count = admin.describeTopics(topic).get(topic).partitions().size();
        running = true;
    }

    @Override
    public int getAsInt() {
        if (count == 0) {
            throw new IllegalStateException("the partition count of " + topic + " is not known yet");
        }
        return count;
    }

    @Override
    public void stop() {
        // The count stays readable: stream threads may still be closing.
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
