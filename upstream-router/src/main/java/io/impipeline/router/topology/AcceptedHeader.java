package io.impipeline.router.topology;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * The facts of a message's admission (dedup: when, and where it was on {@code im-upstream-topic}), carried in a header
 * ({@value #HEADER}, 8 + 4 + 8 bytes) to the step whose trace event reports them, instead of an {@code accepted} trace
 * event of their own (issue 15: one trace record less per message; docs/dlq-handler.md "Fewer records than stages"): {@code routed}
 * (through the {@code by-conversation} repartition), {@code held} or {@code filtered}. The step that reports them
 * removes the header, so nothing the router writes carries it; the trace API shows them as the {@code accepted}
 * stage.
 *
 * @param at        when dedup admitted the message (the stream time of the task's clock)
 * @param partition its upstream partition, or -1 when not known
 * @param offset    its upstream offset, or -1 when not known
 */
record AcceptedHeader(long at, int partition, long offset) {

    static final String HEADER = "im_accepted";
    private static final int SIZE = Long.BYTES + Integer.BYTES + Long.BYTES;

    static AcceptedHeader of(long at, UpstreamPosition.Coordinates upstream) {
        return upstream == null ? new AcceptedHeader(at, -1, -1)
                : new AcceptedHeader(at, upstream.partition(), upstream.offset());
    }

    /** On the record, replacing any there (one from outside is never trusted). */
    void put(Headers headers) {
        headers.remove(HEADER);
        headers.add(HEADER, ByteBuffer.allocate(SIZE).putLong(at).putInt(partition).putLong(offset).array());
    }

    /** The facts the record carries (null when none, or not in this form), the header removed. */
    static AcceptedHeader take(Headers headers) {
        Header header = headers.lastHeader(HEADER);
        if (header == null) {
            return null;
        }
        headers.remove(HEADER);
        byte[] value = header.value();
        if (value == null || value.length != SIZE) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.wrap(value);
        return new AcceptedHeader(buffer.getLong(), buffer.getInt(), buffer.getLong());
    }

    /**
     * Removes the header from a record that leaves the router another way than through the step that reports it: a
     * dead letter of a step after dedup keeps the record's headers, and this one is internal.
     */
    static <V> FixedKeyProcessorSupplier<String, V, V> dropped() {
        return () -> new FixedKeyProcessor<>() {
            private FixedKeyProcessorContext<String, V> context;

            @Override
            public void init(FixedKeyProcessorContext<String, V> context) {
                this.context = context;
            }

            @Override
            public void process(FixedKeyRecord<String, V> record) {
                record.headers().remove(HEADER);
                context.forward(record);
            }
        };
    }

    /** The {@code accepted} detail of the event that reports them: at, and partition and offset when known. */
    Map<String, Object> detail() {
        Map<String, Object> detail = new LinkedHashMap<>(4);
        detail.put("at", at);
        if (partition >= 0) {
            detail.put("partition", partition);
            detail.put("offset", offset);
        }
        return detail;
    }
}
