package io.impipeline.model.wire;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.ArrayList;

import org.apache.kafka.common.utils.Utils;

/**
 * Which partition of {@code im-routed-topic} (and of the co-partitioned {@code im-presence-topic}) a user belongs
 * to: Kafka's default partitioner on the UTF-8 {@code user_id} (murmur2), the rule gateways use when they key
 * presence by user. A group batch written to partition p lists exactly the members this gives p for, so the
 * dispatcher task that owns p holds all of their presence.
 */
public final class RecipientPartitions {

    private RecipientPartitions() {
    }

    public static int partitionOf(String userId, int partitions) {
        return Utils.toPositive(Utils.murmur2(userId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** The users by partition, in partition order; each list keeps the users' order. */
    public static Map<Integer, List<String>> byPartition(Collection<String> userIds, int partitions) {
        Map<Integer, List<String>> byPartition = new TreeMap<>();
        for (String userId : userIds) {
            byPartition.computeIfAbsent(partitionOf(userId, partitions), p -> new ArrayList<>()).add(userId);
        }
        return byPartition;
    }
}
