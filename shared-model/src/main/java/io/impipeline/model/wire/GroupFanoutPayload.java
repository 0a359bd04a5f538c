package io.impipeline.model.wire;

import java.util.List;

/** Payload of a {@code group_fanout} task: the spec's fields plus the message to fan out. */
public record GroupFanoutPayload(String groupId, String messageId, List<String> excludeUserIds, int batchSize,
                                 SequencedMessage message) {
}
