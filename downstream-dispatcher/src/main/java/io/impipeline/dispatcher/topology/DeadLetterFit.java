package io.impipeline.dispatcher.topology;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;

import io.impipeline.dispatcher.support.LogLimiter;
import io.impipeline.model.ImHeaders;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.DefaultRecord;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last step before a DLQ topic. A dead letter is the record that was read plus the dead-letter headers, so it is
 * larger than that record, and that record may itself be larger than the dispatcher's producer may write: the broker
 * limits the <em>compressed</em> batch, so an outside producer that compresses can put a record of many megabytes (a
 * huge key, a huge value) on {@code im-presence-topic} or {@code im-routed-topic}. Its dead letter would fail the
 * producer ({@code RecordTooLargeException}, not retriable), stop the app, and stop it again after every restart.
 * <p>
 * So a dead letter over the limit (the producer's {@code max.request.size} as the producer measures a record, less a
 * compression allowance) is cut to fit: headers other than the dead-letter ones, the replay count and the trace
 * context are dropped, a key over {@value #KEPT_KEY_BYTES} bytes and a detail over {@value #KEPT_DETAIL_BYTES} bytes are
 * shortened, then the value is cut to what is left; the detail says what was cut, the whole record stays on its topic
 * at the partition and offset the headers name. Counted ({@code im.dispatcher.dead_letters.cut{topic}}) and logged
 * (rate-limited). A dead letter that fits is not touched: the contract's "original key, value and headers, unchanged".
 */
final class DeadLetterFit implements Processor<String, byte[], String, byte[]> {

    static final String METRIC = "im.dispatcher.dead_letters.cut";
    static final int KEPT_KEY_BYTES = 1024;
    static final int KEPT_DETAIL_BYTES = 1024;
    private static final int KEPT_HEADER_BYTES = 512;
    private static final Set<String> KEPT_HEADERS = Set.of(DeadLetterHeaders.DLT_ORIGINAL_TOPIC,
            DeadLetterHeaders.DLT_ORIGINAL_PARTITION, DeadLetterHeaders.DLT_ORIGINAL_OFFSET,
            DeadLetterHeaders.DLT_ORIGINAL_TIMESTAMP, DeadLetterHeaders.DLT_EXCEPTION_FQCN, ImHeaders.DLT_STAGE,
            ImHeaders.DLT_REASON, ImHeaders.REPLAY_COUNT, ImHeaders.TRACEPARENT, ImHeaders.TRACESTATE);

    private static final Logger log = LoggerFactory.getLogger(DeadLetterFit.class);
    private static final LogLimiter LOG_LIMIT = new LogLimiter(Duration.ofMinutes(1));

    private final String dlqTopic;
    private final int limit;
    private final MeterRegistry meters;
    private ProcessorContext<String, byte[]> context;

    /** @param maxRequestSize the producer's {@code max.request.size} (= the topics' {@code max.message.bytes}) */
    DeadLetterFit(String dlqTopic, int maxRequestSize, MeterRegistry meters) {
        this.dlqTopic = dlqTopic;
        this.limit = limitFor(maxRequestSize);
        this.meters = meters;
    }

    /**
     * The largest record size that is written: the broker compares the compressed batch with the topic's
     * {@code max.message.bytes}, and lz4 stores what does not compress as it is plus a few bytes per 64 KiB block;
     * 64 bytes plus 8 per 8 KiB covers that twice.
     */
    static int limitFor(int maxRequestSize) {
        return maxRequestSize - 64 - maxRequestSize / 8192;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        int size = sizeOf(bytes(record.key()), record.value() == null ? -1 : record.value().length, record.headers());
        context.forward(size <= limit ? record : cut(record, size));
    }

    private Record<String, byte[]> cut(Record<String, byte[]> record, int size) {
        Headers headers = new RecordHeaders();
        int dropped = 0;
        for (Header h : record.headers()) {
            if (h.key().equals(DeadLetterHeaders.DLT_EXCEPTION_MESSAGE)) {
                continue;
            }
            if (KEPT_HEADERS.contains(h.key()) && (h.value() == null || h.value().length <= KEPT_HEADER_BYTES)) {
                headers.add(h);
            } else {
                dropped++;
            }
        }
        String key = record.key();
        int keyBytes = bytes(key);
        if (keyBytes > KEPT_KEY_BYTES) {
            key = utf8Prefix(key, KEPT_KEY_BYTES);
        }
        String detail = DeadLetterHeaders.text(record.headers(), DeadLetterHeaders.DLT_EXCEPTION_MESSAGE);
        if (detail != null && bytes(detail) > KEPT_DETAIL_BYTES) {
            detail = utf8Prefix(detail, KEPT_DETAIL_BYTES) + "...";
        }
        byte[] value = record.value();
        int valueBytes = value == null ? 0 : value.length;
        String note = " [dead letter cut to fit the record limit of " + limit + " bytes: it had " + size
                + " bytes; key " + keyBytes + " bytes, value " + valueBytes + " bytes, " + dropped
                + " original headers dropped; the whole record is on its original topic]";
        headers.add(DeadLetterHeaders.DLT_EXCEPTION_MESSAGE,
                ((detail == null ? "" : detail) + note).getBytes(StandardCharsets.UTF_8));
        if (value != null) {
            int keep = Math.max(0, Math.min(value.length, limit - sizeOf(bytes(key), 0, headers)));
            // The record's length is a varint: a shorter value may shorten it too; never over the limit.
            while (keep > 0 && sizeOf(bytes(key), keep, headers) > limit) {
                keep--;
            }
            value = keep == value.length ? value : Arrays.copyOf(value, keep);
        }
        Counter.builder(METRIC).tag("topic", dlqTopic).description("dead letters cut to fit the record limit")
                .register(meters).increment();
        long suppressed = LOG_LIMIT.permit(dlqTopic);
        if (suppressed >= 0) {
            log.warn("dead letter for {} ({} bytes) over the record limit of {} bytes, cut: key {} -> {} bytes, value "
                    + "{} -> {} bytes, {} headers dropped; the original is at {}-{}@{} ({} similar lines suppressed)",
                    dlqTopic, size, limit, keyBytes, bytes(key), valueBytes, value == null ? 0 : value.length,
                    dropped, DeadLetterHeaders.text(headers, DeadLetterHeaders.DLT_ORIGINAL_TOPIC),
                    DeadLetterHeaders.intValue(headers, DeadLetterHeaders.DLT_ORIGINAL_PARTITION),
                    DeadLetterHeaders.longValue(headers, DeadLetterHeaders.DLT_ORIGINAL_OFFSET), suppressed);
        }
        return new Record<>(key, value, record.timestamp(), headers);
    }

    /**
     * The producer's upper-bound estimate for one record in a batch of its own (what it compares with
     * {@code max.request.size}); -1 stands for a null key or value.
     */
    static int sizeOf(int keyBytes, int valueBytes, Headers headers) {
        Header[] array = headers == null ? new Header[0] : headers.toArray();
        return DefaultRecordBatch.RECORD_BATCH_OVERHEAD + DefaultRecord.MAX_RECORD_OVERHEAD
                + DefaultRecord.sizeOfBodyInBytes(0, 0, keyBytes, valueBytes, array) - 3;
    }

    private static int bytes(String s) {
        return s == null ? -1 : s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The longest prefix of {@code s} of at most {@code maxBytes} UTF-8 bytes, surrogate pairs kept whole. */
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
