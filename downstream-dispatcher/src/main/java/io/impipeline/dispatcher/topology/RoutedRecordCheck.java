package io.impipeline.dispatcher.topology;

import java.util.Optional;
import java.util.function.IntSupplier;

import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.Rejection;
import io.impipeline.model.wire.RecipientPartitions;
import io.impipeline.model.wire.RoutedMessage;

/**
 * Whether a valid routed record sits where its recipients' presence is. The task that reads partition p of
 * {@code im-routed-topic} holds the presence of partition p of the co-partitioned {@code im-presence-topic} only,
 * so a recipient of another partition would be looked up in the wrong store and pushed although online (or not
 * pushed although offline). Anyone can write such a record (an explicit partition, a wrong key), so it is refused
 * ({@code INVALID_FIELD}, naming the field and the user) and dead-lettered whole, never half dispatched:
 * <ul>
 *   <li>single chat: key = {@code recipient_id}, and the recipient hashes to the record's partition;</li>
 *   <li>group batch: key = {@code conversation_id} (per-conversation order on the gateway topics), every recipient
 *       hashes to the record's partition, and it is not a {@code sync} copy (that is single chat only).</li>
 * </ul>
 */
final class RoutedRecordCheck {

    private final IntSupplier partitions;

    /** @param partitions the partition count of the presence topic (= the routed topic's) */
    RoutedRecordCheck(IntSupplier partitions) {
        this.partitions = partitions;
    }

    Optional<Rejection> check(String key, RoutedMessage routed, int partition) {
        if (routed.isBatch()) {
            if (!routed.message().conversationId().equals(key)) {
                return invalid("the record key of a group batch must be its conversation_id");
            }
            if (routed.sync()) {
                return invalid("a group batch (recipient_ids) cannot be a sync copy");
            }
        } else if (!routed.recipientId().equals(key)) {
            return invalid("the record key must be the recipient_id (co-partitioning with presence)");
        }
        int count = partitions.getAsInt();
        String field = routed.isBatch() ? "recipient_ids" : "recipient_id";
        for (String user : routed.recipients()) {
            int home = RecipientPartitions.partitionOf(user, count);
            if (home != partition) {
                return invalid(field + ": user " + user + " belongs to partition " + home + " of " + count
                        + ", the record was read from partition " + partition);
            }
        }
        return Optional.empty();
    }

    private static Optional<Rejection> invalid(String detail) {
        return Optional.of(Rejection.of(ReasonCode.INVALID_FIELD, detail));
    }
}
