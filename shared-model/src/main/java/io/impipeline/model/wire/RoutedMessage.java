package io.impipeline.model.wire;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

/**
 * A message on {@code im-routed-topic}: the upstream record (flattened) plus {@code seq}, {@code sync} (the copy for
 * the sender's other devices), {@code routed_at} and its recipients (ARCHITECTURE §3, contract v2):
 * <ul>
 *   <li>single chat: {@code recipient_id}, one record per recipient, key = the recipient;</li>
 *   <li>group chat: {@code recipient_ids}, the members whose {@code user_id} hashes to the partition the record is
 *       written to ({@link RecipientPartitions}), one record per (message, partition), key = {@code conversation_id}.</li>
 * </ul>
 * Exactly one of {@code recipient_id} and {@code recipient_ids} is set.
 */
public record RoutedMessage(
        @JsonUnwrapped UpstreamMessage message,
        long seq,
        @JsonInclude(JsonInclude.Include.NON_NULL) String recipientId,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<String> recipientIds,
        boolean sync,
        long routedAt) {

    /** Single chat: the copy for one recipient. */
    public static RoutedMessage to(String recipientId, SequencedMessage sequenced, boolean sync, long routedAt) {
        return new RoutedMessage(sequenced.message(), sequenced.seq(), recipientId, null, sync, routedAt);
    }

    /** Group chat: the batch of members that hash to one partition of {@code im-routed-topic}. */
    public static RoutedMessage batch(List<String> recipientIds, SequencedMessage sequenced, long routedAt) {
        return new RoutedMessage(sequenced.message(), sequenced.seq(), null, List.copyOf(recipientIds), false,
                routedAt);
    }

    @JsonIgnore
    public boolean isBatch() {
        return recipientIds != null;
    }

    /** Every recipient of this record: the one of a single-chat copy, or the batch. */
    @JsonIgnore
    public List<String> recipients() {
        return isBatch() ? recipientIds : List.of(recipientId);
    }
}
