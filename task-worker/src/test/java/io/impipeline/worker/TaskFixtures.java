package io.impipeline.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.impipeline.model.codec.Tasks;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.wire.GroupFanoutPayload;
import io.impipeline.model.wire.OfflinePushPayload;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.testkit.Messages;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Tasks as the router and the dispatcher write them, and a reader of everything committed on a topic. */
public final class TaskFixtures {

    public static final long T0 = 1_700_000_000_000L;

    private TaskFixtures() {
    }

    public static byte[] persist(String messageId, String conversation, long seq) {
        UpstreamMessage m = Messages.text(messageId, "alice", "bob", conversation, T0 + seq);
        return WireJson.toBytes(Tasks.persist(new SequencedMessage(m, seq, T0 + seq + 1), T0));
    }

    /** A persist task of {@code sender}'s message: two senders may use the same message id. */
    public static byte[] persistFrom(String sender, String messageId, String conversation, long seq) {
        UpstreamMessage m = Messages.text(messageId, sender, "bob", conversation, T0 + seq);
        return WireJson.toBytes(Tasks.persist(new SequencedMessage(m, seq, T0 + seq + 1), T0));
    }

    public static byte[] persistWithContent(String messageId, String conversation, long seq, String content) {
        UpstreamMessage m = Messages.text(messageId, "alice", "bob", conversation, T0).withContent(content);
        return WireJson.toBytes(Tasks.persist(new SequencedMessage(m, seq, T0), T0));
    }

    /** An offline_push task (contract v2) of alice's message for a batch of users. */
    public static byte[] push(List<String> userIds, String messageId) {
        return WireJson.toBytes(Tasks.offlinePush(new OfflinePushPayload(userIds, "alice", messageId, "New message",
                "hello", "message", "conv-" + messageId), T0));
    }

    public static byte[] push(String userId, String messageId) {
        return push(List.of(userId), messageId);
    }

    public static byte[] fanout(String groupId, String messageId, String sender, int batchSize) {
        UpstreamMessage m = Messages.groupText(messageId, sender, groupId, T0);
        return WireJson.toBytes(Tasks.groupFanout(new GroupFanoutPayload(groupId, messageId, List.of(sender),
                batchSize, new SequencedMessage(m, 1, T0)), T0));
    }

    public static byte[] group(String groupId, List<String> members, long version) {
        Map<String, Object> group = new HashMap<>();
        group.put("group_id", groupId);
        group.put("members", members);
        group.put("version", version);
        group.put("timestamp", T0);
        return WireJson.toBytes(group);
    }

    public static List<String> users(String prefix, int count) {
        List<String> users = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            users.add(String.format("%s%04d", prefix, i));
        }
        return users;
    }

    /** Everything on the topic up to its end (the last stable offset for read_committed), read at once. */
    public static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic, boolean committedOnly) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "read-all-" + UUID.randomUUID(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, committedOnly ? "read_committed" : "read_uncommitted",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))
                    && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(all::add);
            }
        }
        return all;
    }

}
