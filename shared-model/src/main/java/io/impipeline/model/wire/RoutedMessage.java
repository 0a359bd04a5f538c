package io.impipeline.model.wire;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

/**
 * One copy of a message for one recipient on {@code im-routed-topic}, keyed by {@code recipient_id}: the upstream
 * record (flattened) plus {@code seq}, {@code recipient_id}, {@code sync} (the copy for the sender's other devices)
 * and {@code routed_at}.
 */
public record RoutedMessage(
        @JsonUnwrapped UpstreamMessage message,
        long seq,
        String recipientId,
        boolean sync,
        long routedAt) {

    public static RoutedMessage to(String recipientId, SequencedMessage sequenced, boolean sync, long routedAt) {
        return new RoutedMessage(sequenced.message(), sequenced.seq(), recipientId, sync, routedAt);
    }
}
