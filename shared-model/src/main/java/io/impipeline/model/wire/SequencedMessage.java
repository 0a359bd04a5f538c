package io.impipeline.model.wire;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

/**
 * An accepted message with its per-conversation sequence number: the payload of {@code persist_message} and the
 * message carried by {@code group_fanout}. On the wire the upstream fields are flattened next to {@code seq}.
 */
public record SequencedMessage(@JsonUnwrapped UpstreamMessage message, long seq, long acceptedAt) {
}
