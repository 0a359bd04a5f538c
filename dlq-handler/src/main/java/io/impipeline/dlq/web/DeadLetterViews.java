package io.impipeline.dlq.web;

import java.time.Instant;
import java.util.Base64;
import java.util.List;

import io.impipeline.dlq.capture.StoredHeader;
import io.impipeline.dlq.store.DeadLetterRepository.SummaryRow;
import io.impipeline.dlq.store.DeadLetterRow;
import io.impipeline.dlq.store.DeadLetterStatus;

/** The JSON shapes of the dead-letter API (snake_case by the shared Jackson settings). */
public final class DeadLetterViews {

    private DeadLetterViews() {
    }

    /** A list item: where it came from, why it failed, what happened since; no value. */
    public record Item(long id, String dlqTopic, int dlqPartition, long dlqOffset, String originalTopic,
                       Integer originalPartition, Long originalOffset, Instant originalTimestamp, String key,
                       String stage, String reason, String exceptionClass, String exceptionMessage, Instant failedAt,
                       Instant capturedAt, DeadLetterStatus status, int replayCount, Instant lastReplayedAt,
                       int valueSize) {

        static Item of(DeadLetterRow r) {
            return new Item(r.id(), r.dlqTopic(), r.dlqPartition(), r.dlqOffset(), r.originalTopic(),
                    r.originalPartition(), r.originalOffset(), r.originalTimestamp(), r.keyText(), r.stage(),
                    r.reason(), r.exceptionClass(), r.exceptionMessage(), r.failedAt(), r.capturedAt(), r.status(),
                    r.replayCount(), r.lastReplayedAt(), r.valueSize());
        }
    }

    /** One dead letter in full: key and value as text (or base64 when not UTF-8), and every header decoded. */
    public record Detail(long id, String dlqTopic, int dlqPartition, long dlqOffset, String originalTopic,
                         Integer originalPartition, Long originalOffset, Instant originalTimestamp, String stage,
                         String reason, String exceptionClass, String exceptionMessage, Instant failedAt,
                         Instant capturedAt, DeadLetterStatus status, Instant statusChangedAt, int replayCount,
                         Instant lastReplayedAt, String key, String keyBase64, String value, String valueBase64,
                         List<Header> headers) {

        public static Detail of(DeadLetterRow r) {
            return new Detail(r.id(), r.dlqTopic(), r.dlqPartition(), r.dlqOffset(), r.originalTopic(),
                    r.originalPartition(), r.originalOffset(), r.originalTimestamp(), r.stage(), r.reason(),
                    r.exceptionClass(), r.exceptionMessage(), r.failedAt(), r.capturedAt(), r.status(),
                    r.statusChangedAt(), r.replayCount(), r.lastReplayedAt(), r.keyText(),
                    r.keyText() == null ? base64(r.key()) : null, r.valueText(),
                    r.valueText() == null ? base64(r.value()) : null,
                    r.headers().stream().map(Header::of).toList());
        }
    }

    /** A header: its decoded value (text or number), base64 only when it is neither. */
    public record Header(String name, Object value, String base64) {

        static Header of(StoredHeader h) {
            Object value = h.decoded() != null ? h.decoded() : h.text();
            return new Header(h.name(), value, value == null ? h.base64() : null);
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

    public record BulkReplayResult(int replayed, int failed) {
    }

    public record BulkDiscardResult(int discarded) {
    }

    private static String base64(byte[] b) {
        return b == null ? null : Base64.getEncoder().encodeToString(b);
    }
}
