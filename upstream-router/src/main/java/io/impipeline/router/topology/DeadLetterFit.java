package io.impipeline.router.topology;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.router.metrics.RouterMetrics;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last step before the DLQ topic. A dead letter is the original record plus the dead-letter headers, so it is
 * larger than the record that was read, and the record that was read may itself be larger than any producer of
 * the pipeline may write: the broker limits the <em>compressed</em> batch, so a producer that compresses can put a
 * record of many megabytes on {@code im-upstream-topic}; the validator refuses it ({@code TOO_LARGE}) and its dead
 * letter would then fail the router's producer and stop the app, again after every restart.
 *
 * <p>So a dead letter over the {@link RecordSizeGuard} limit is cut to fit, in this order: every header but the
 * dead-letter headers, the replay count and the trace context (each at most 512 bytes) is dropped; a key over
 * {@value #KEPT_KEY_BYTES} bytes and an exception message over {@value #KEPT_DETAIL_BYTES} bytes are shortened; then
 * the value is cut to what is left. The exception-message header says what was cut and the sizes before; the whole
 * record stays on the original topic at the partition and offset the headers name (records dead-lettered before a
 * repartition). Counted ({@code im.router.dead_letters.cut}) and logged at WARN. A dead letter that fits is not
 * touched: the contract's "original key, value and headers, unchanged".
 */
final class DeadLetterFit implements Processor<String, byte[], String, byte[]> {

    static final int KEPT_KEY_BYTES = 1024;
    static final int KEPT_DETAIL_BYTES = 1024;
    private static final int KEPT_HEADER_BYTES = 512;
    private static final Set<String> KEPT_HEADERS = Set.of(DeadLetterHeaders.DLT_ORIGINAL_TOPIC,
            DeadLetterHeaders.DLT_ORIGINAL_PARTITION, DeadLetterHeaders.DLT_ORIGINAL_OFFSET,
            DeadLetterHeaders.DLT_ORIGINAL_TIMESTAMP, DeadLetterHeaders.DLT_EXCEPTION_FQCN, ImHeaders.DLT_STAGE,
            ImHeaders.DLT_REASON, ImHeaders.REPLAY_COUNT, ImHeaders.TRACEPARENT, ImHeaders.TRACESTATE);

    private static final Logger log = LoggerFactory.getLogger(DeadLetterFit.class);

    private final RecordSizeGuard guard;
    private final RouterMetrics metrics;
    private ProcessorContext<String, byte[]> context;

    DeadLetterFit(RecordSizeGuard guard, RouterMetrics metrics) {
        this.guard = guard;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        int size = RecordSizeGuard.sizeOf(record.key(), record.value(), record.headers());
        if (guard.fits(size)) {
            context.forward(record);
            return;
        }
        context.forward(cut(record, size));
    }

    private Record<String, byte[]> cut(Record<String, byte[]> record, int size) {
        Headers headers = new RecordHeaders();
        int dropped = 0;
        for (Header h : record.headers()) {
            if (isKept(h)) {
                headers.add(h);
            } else {
                dropped++;
            }
        }
        String key = record.key();
        int keyBytes = key == null ? 0 : key.getBytes(StandardCharsets.UTF_8).length;
        if (keyBytes > KEPT_KEY_BYTES) {
            key = utf8Prefix(key, KEPT_KEY_BYTES);
        }
        String detail = DeadLetterHeaders.text(headers, DeadLetterHeaders.DLT_EXCEPTION_MESSAGE);
        if (detail != null && detail.getBytes(StandardCharsets.UTF_8).length > KEPT_DETAIL_BYTES) {
            detail = utf8Prefix(detail, KEPT_DETAIL_BYTES) + "...";
        }
        byte[] value = record.value();
        int valueBytes = value == null ? 0 : value.length;
        String note = " [dead letter cut to fit the router's record limit of " + guard.limit() + " bytes: it had "
                + size + " bytes; value " + valueBytes + " bytes, key " + keyBytes + " bytes, " + dropped
                + " original headers dropped]";
        headers.remove(DeadLetterHeaders.DLT_EXCEPTION_MESSAGE);
        headers.add(DeadLetterHeaders.DLT_EXCEPTION_MESSAGE,
                ((detail == null ? "" : detail) + note).getBytes(StandardCharsets.UTF_8));
        if (value != null) {
            int room = guard.limit() - RecordSizeGuard.sizeOf(key, new byte[0], headers);
            int keep = Math.max(0, Math.min(value.length, room));
            // The record's length is a varint: a shorter value may also shorten it; never over the limit.
            while (keep > 0 && !guard.fits(RecordSizeGuard.sizeOf(key == null ? -1
                    : key.getBytes(StandardCharsets.UTF_8).length, keep, headers))) {
                keep--;
            }
            value = keep == value.length ? value : Arrays.copyOf(value, keep);
        }
        metrics.deadLetterCut();
        log.warn("dead letter {} ({} bytes) over the record limit of {} bytes: {} original headers dropped,"
                        + " key {} -> {} bytes, value {} -> {} bytes; the original is at {}-{}@{}",
                DeadLetterHeaders.text(headers, ImHeaders.DLT_REASON), size, guard.limit(), dropped, keyBytes,
                key == null ? 0 : key.getBytes(StandardCharsets.UTF_8).length, valueBytes,
                value == null ? 0 : value.length, DeadLetterHeaders.text(headers, DeadLetterHeaders.DLT_ORIGINAL_TOPIC),
                DeadLetterHeaders.intValue(headers, DeadLetterHeaders.DLT_ORIGINAL_PARTITION),
                DeadLetterHeaders.longValue(headers, DeadLetterHeaders.DLT_ORIGINAL_OFFSET));
        return new Record<>(key, value, record.timestamp(), headers);
    }

    /** The dead-letter headers, the replay count and trace context, each of a sane size (the detail is cut apart). */
    private static boolean isKept(Header h) {
        if (h.key().equals(DeadLetterHeaders.DLT_EXCEPTION_MESSAGE)) {
            return true;
        }
        return KEPT_HEADERS.contains(h.key()) && (h.value() == null || h.value().length <= KEPT_HEADER_BYTES);
    }

    /** The longest prefix of {@code s} that encodes to at most {@code maxBytes} UTF-8 bytes, surrogates kept whole. */
    static String utf8Prefix(String s, int maxBytes) {
        int bytes = 0;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + len > maxBytes) {
                break;
            }
            bytes += len;
            i += Character.charCount(cp);
        }
        return s.substring(0, i);
    }
}
