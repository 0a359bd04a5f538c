package io.impipeline.platform.dlq;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.platform.kafka.RecordSizeGuard;
import io.impipeline.platform.support.LogLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts a dead letter to the size its producer may write. A dead letter is the record that was read plus the
 * dead-letter headers, so it is larger than that record, and that record may itself be larger than any producer of
 * the pipeline may write: the broker limits the <em>compressed</em> batch, so an outside producer that compresses can
 * put a record of many megabytes on a topic. Written as it is, its dead letter fails the producer
 * ({@code RecordTooLargeException}, not retriable): a Kafka Streams app stops, a listener retries the poll for ever,
 * and either way the partition is blocked, again after every restart.
 *
 * <p>So a dead letter over the {@link RecordSizeGuard} limit is cut, in this order: every header but the dead-letter
 * headers, the replay count and the trace context (each at most {@value #KEPT_HEADER_BYTES} bytes) is dropped; a key
 * over {@value #KEPT_KEY_BYTES} bytes and an exception message over {@value #KEPT_DETAIL_BYTES} bytes are shortened
 * (at a character boundary); then the value is cut to what is left. The exception message says what was cut and the
 * sizes before; the whole record stays on its original topic at the partition and offset the headers name. Counted
 * ({@value #METRIC}{@code {stage, topic}}) and logged at WARN (once a minute per DLQ topic and instance). A dead letter that fits
 * is not touched: the contract's "original key, value and headers, unchanged". Used by the Streams apps
 * ({@link DeadLetterFitProcessor}) and the listeners' recoverer ({@link DeadLetterPublishers}).
 */
public final class DeadLetterFit {

    public static final String METRIC = "im.dead_letters.cut";
    public static final int KEPT_KEY_BYTES = 1024;
    public static final int KEPT_DETAIL_BYTES = 1024;
    static final int KEPT_HEADER_BYTES = 512;
    private static final Set<String> KEPT_HEADERS = Set.of(DeadLetterHeaders.DLT_ORIGINAL_TOPIC,
            DeadLetterHeaders.DLT_ORIGINAL_PARTITION, DeadLetterHeaders.DLT_ORIGINAL_OFFSET,
            DeadLetterHeaders.DLT_ORIGINAL_TIMESTAMP, DeadLetterHeaders.DLT_EXCEPTION_FQCN, ImHeaders.DLT_STAGE,
            ImHeaders.DLT_REASON, ImHeaders.REPLAY_COUNT, ImHeaders.TRACEPARENT, ImHeaders.TRACESTATE);

    private static final Logger log = LoggerFactory.getLogger(DeadLetterFit.class);

    /** A dead letter as it is written: the key's bytes (null for none), the value and the headers. */
    public record Letter(byte[] key, byte[] value, Headers headers) {
    }

    private final RecordSizeGuard guard;
    private final String stage;
    private final MeterRegistry meters;
    private final LogLimiter logLimit = new LogLimiter(Duration.ofMinutes(1));

    public DeadLetterFit(RecordSizeGuard guard, String stage, MeterRegistry meters) {
        this.guard = guard;
        this.stage = stage;
        this.meters = meters;
    }

    public RecordSizeGuard guard() {
        return guard;
    }

    /** Whether the dead letter can be written as it is. */
    public boolean fits(byte[] key, byte[] value, Headers headers) {
        return guard.fits(RecordSizeGuard.sizeOf(length(key), length(value), headers));
    }

    /** The dead letter cut to the limit (call when it does not {@link #fits fit}); counted and logged. */
    public Letter cut(String dlqTopic, byte[] key, byte[] value, Headers original) {
        int size = RecordSizeGuard.sizeOf(length(key), length(value), original);
        Headers headers = new RecordHeaders();
        int dropped = 0;
        for (Header h : original) {
            if (h.key().equals(DeadLetterHeaders.DLT_EXCEPTION_MESSAGE)) {
                continue;
            }
            if (KEPT_HEADERS.contains(h.key()) && (h.value() == null || h.value().length <= KEPT_HEADER_BYTES)) {
                headers.add(h);
            } else {
                dropped++;
            }
        }
        byte[] keptKey = key == null || key.length <= KEPT_KEY_BYTES ? key : utf8Prefix(key, KEPT_KEY_BYTES);
        String detail = DeadLetterHeaders.text(original, DeadLetterHeaders.DLT_EXCEPTION_MESSAGE);
        if (detail != null && detail.getBytes(StandardCharsets.UTF_8).length > KEPT_DETAIL_BYTES) {
            detail = new String(utf8Prefix(detail.getBytes(StandardCharsets.UTF_8), KEPT_DETAIL_BYTES),
                    StandardCharsets.UTF_8) + "...";
        }
        String note = " [dead letter cut to fit the record limit of " + guard.limit() + " bytes: it had " + size
                + " bytes; key " + length(key) + " bytes, value " + Math.max(0, length(value)) + " bytes, " + dropped
                + " original headers dropped; the whole record is on its original topic]";
        headers.add(DeadLetterHeaders.DLT_EXCEPTION_MESSAGE,
                ((detail == null ? "" : detail) + note).getBytes(StandardCharsets.UTF_8));
        byte[] keptValue = value;
        if (value != null) {
            int keep = Math.max(0, Math.min(value.length,
                    guard.limit() - RecordSizeGuard.sizeOf(length(keptKey), 0, headers)));
            // The record's length is a varint: a shorter value may shorten it too; never over the limit.
            while (keep > 0 && !guard.fits(RecordSizeGuard.sizeOf(length(keptKey), keep, headers))) {
                keep--;
            }
            keptValue = keep == value.length ? value : Arrays.copyOf(value, keep);
        }
        Counter.builder(METRIC).description("Dead letters cut to fit the record limit").tag("stage", stage)
                .tag("topic", dlqTopic).register(meters).increment();
        long suppressed = logLimit.permit(dlqTopic);
        if (suppressed >= 0) {
            log.warn("dead letter for {} ({} bytes, reason {}) over the record limit of {} bytes, cut: key {} -> {} "
                            + "bytes, value {} -> {} bytes, {} headers dropped; the original is at {}-{}@{} ({} similar"
                            + " lines suppressed)", dlqTopic, size, DeadLetterHeaders.text(headers, ImHeaders.DLT_REASON),
                    guard.limit(), length(key), length(keptKey), length(value), length(keptValue), dropped,
                    DeadLetterHeaders.text(headers, DeadLetterHeaders.DLT_ORIGINAL_TOPIC),
                    DeadLetterHeaders.intValue(headers, DeadLetterHeaders.DLT_ORIGINAL_PARTITION),
                    DeadLetterHeaders.longValue(headers, DeadLetterHeaders.DLT_ORIGINAL_OFFSET), suppressed);
        }
        return new Letter(keptKey, keptValue, headers);
    }

    /** The first {@code maxBytes} bytes or fewer, never ending inside a UTF-8 sequence. */
    static byte[] utf8Prefix(byte[] bytes, int maxBytes) {
        int end = Math.min(bytes.length, maxBytes);
        // Back off continuation bytes (10xxxxxx) so that a multi-byte character is kept whole or left out.
        while (end > 0 && end < bytes.length && (bytes[end] & 0xC0) == 0x80) {
            end--;
        }
        return Arrays.copyOf(bytes, end);
    }

    private static int length(byte[] bytes) {
        return bytes == null ? -1 : bytes.length;
    }
}
