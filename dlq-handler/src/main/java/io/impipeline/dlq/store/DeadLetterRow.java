package io.impipeline.dlq.store;

import java.time.Instant;
import java.util.List;

import io.impipeline.dlq.letter.StoredHeader;

/** One row of {@code dead_letters}; in list results {@code value} and {@code headers} are left out. */
public record DeadLetterRow(
        long id, String dlqTopic, int dlqPartition, long dlqOffset,
        byte[] key, String keyText, byte[] value, String valueText, List<StoredHeader> headers,
        String stage, String reason, String exceptionClass, String exceptionMessage,
        String originalTopic, Integer originalPartition, Long originalOffset, Instant originalTimestamp,
        Instant failedAt, Instant capturedAt, DeadLetterStatus status, Instant statusChangedAt,
        int replayCount, Instant lastReplayedAt, int valueSize,
        String messageId, String fromUserId, String conversationId, String captureError) {
}
