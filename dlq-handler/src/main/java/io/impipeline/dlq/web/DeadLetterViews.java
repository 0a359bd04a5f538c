package io.impipeline.dlq.web;

import java.time.Instant;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.impipeline.dlq.letter.StoredHeader;
import io.impipeline.dlq.store.DeadLetterRepository.SummaryRow;
import io.impipeline.dlq.store.DeadLetterRow;
import io.impipeline.dlq.store.DeadLetterStatus;

/** The JSON shapes of the dead-letter API (snake_case by the shared Jackson settings). */
public final class DeadLetterViews {

    private DeadLetterViews() {
    }

    /**
     * A list item: where it came from, which message it was, why it failed, what happened since; no value. The key
     * is {@code key} when it is UTF-8 text, else {@code key_base64}; {@code message_id}, {@code from_user_id} and
     * {@code conversation_id} are there when the value is JSON with those fields.
     */
    public record Item(long id, String dlqTopic, int dlqPartition, long dlqOffset, String originalTopic,
                       Integer originalPartition, Long originalOffset, Instant originalTimestamp, String key,
                       String keyBase64, String messageId, String fromUserId, String conversationId,
                       String stage, String reason, String exceptionClass, String exceptionMessage, Instant failedAt,
                       Instant capturedAt, DeadLetterStatus status, int replayCount, Instant lastReplayedAt,
                       int valueSize, String captureError) {

        static Item of(DeadLetterRow r) {
            return new Item(r.id(), r.dlqTopic(), r.dlqPartition(), r.dlqOffset(), r.originalTopic(),
                    r.originalPartition(), r.originalOffset(), r.originalTimestamp(), r.keyText(),
                    r.keyText() == null ? base64(r.key()) : null, r.messageId(), r.fromUserId(), r.conversationId(),
                    r.stage(), r.reason(), r.exceptionClass(), r.exceptionMessage(), r.failedAt(), r.capturedAt(),
                    r.status(), r.replayCount(), r.lastReplayedAt(), r.valueSize(), r.captureError());
        }
    }

    /** One dead letter in full: key and value as text (or base64 when not UTF-8), and every header decoded. */
    public record Detail(long id, String dlqTopic, int dlqPartition, long dlqOffset, String originalTopic,
                         Integer originalPartition, Long originalOffset, Instant originalTimestamp, String stage,
                         String reason, String exceptionClass, String exceptionMessage, Instant failedAt,
                         Instant capturedAt, DeadLetterStatus status, Instant statusChangedAt, int replayCount,
                         Instant lastReplayedAt, String messageId, String fromUserId, String conversationId,
                         String captureError, String key, String keyBase64, String value, String valueBase64,
                         List<Header> headers) {

        public static Detail of(DeadLetterRow r) {
            return new Detail(r.id(), r.dlqTopic(), r.dlqPartition(), r.dlqOffset(), r.originalTopic(),
                    r.originalPartition(), r.originalOffset(), r.originalTimestamp(), r.stage(), r.reason(),
                    r.exceptionClass(), r.exceptionMessage(), r.failedAt(), r.capturedAt(), r.status(),
                    r.statusChangedAt(), r.replayCount(), r.lastReplayedAt(), r.messageId(), r.fromUserId(),
                    r.conversationId(), r.captureError(), r.keyText(),
                    r.keyText() == null ? base64(r.key()) : null, r.valueText(),
                    r.valueText() == null ? base64(r.value()) : null,
                    r.headers().stream().map(Header::of).toList());
        }
    }

    /**
     * A header: its decoded value (text or number), {@code base64} only when it is neither. {@code name_base64} is
     * there only when the name itself is not storable text (a NUL): it has the exact name (UTF-8, base64) and
     * {@code name} is then a display form with U+FFFD in place of each NUL.
     */
    public record Header(String name, @JsonInclude(JsonInclude.Include.NON_NULL) String nameBase64, Object value,
                         String base64) {

        static Header of(StoredHeader h) {
            Object value = h.decoded() != null ? h.decoded() : h.text();
            return new Header(h.name(), h.nameBase64(), value, value == null ? h.base64() : null);
        }
    }

    public record Page(List<Item> items, String nextCursor) {
    }

    public record SummaryItem(String originalTopic, String reason, long newCount, long replayed, long discarded,
                              long total, Instant lastFailedAt) {

        static SummaryItem of(SummaryRow r) {
            return new SummaryItem(r.originalTopic(), r.reason(), r.newCount(), r.replayed(), r.discarded(),
                    r.total(), r.lastFailedAt());
        }
    }

    public record Summary(List<SummaryItem> items) {
    }

    /** {@code refused}: the original topic is not a replay target (left as they were). */
    public record BulkReplayResult(int replayed, int failed, int refused) {
    }

    public record BulkDiscardResult(int discarded) {
    }

    private static String base64(byte[] b) {
        return b == null ? null : Base64.getEncoder().encodeToString(b);
    }
}
