package io.impipeline.router.topology;

import java.nio.ByteBuffer;

import io.impipeline.model.wire.UpstreamMessage;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Where a message was on {@code im-upstream-topic} (partition, offset), for its {@code accepted} trace event, which
 * dedup writes. A record keyed by its sender reaches dedup straight from the upstream topic, whose coordinates are in
 * the record context. A record keyed otherwise goes through the {@code by-sender} repartition topic first, so when
 * trace is on it takes its coordinates along in a header ({@value #HEADER}, 4 + 8 bytes), which dedup reads and
 * removes: nothing the router writes carries it.
 */
final class UpstreamPosition implements FixedKeyProcessor<String, UpstreamMessage, UpstreamMessage> {

    static final String HEADER = "im_upstream-position";

    private FixedKeyProcessorContext<String, UpstreamMessage> context;

    /** The upstream coordinates of the message dedup is handling, or null when they are not known. */
    record Coordinates(int partition, long offset) {
    }

    @Override
    public void init(FixedKeyProcessorContext<String, UpstreamMessage> context) {
        this.context = context;
    }

    /** Before the repartition: the record context is still the upstream record's. */
    @Override
    public void process(FixedKeyRecord<String, UpstreamMessage> record) {
        context.recordMetadata().ifPresent(m -> {
            record.headers().remove(HEADER);
            record.headers().add(HEADER, ByteBuffer.allocate(12).putInt(m.partition()).putLong(m.offset()).array());
        });
        context.forward(record);
    }

    /**
     * At dedup: the record context when it is the upstream topic's (a header there came from outside and is dropped),
     * else the header the record took through the repartition topic (removed), else null.
     */
    static Coordinates take(Headers headers, ProcessorContext<?, ?> context, String upstreamTopic) {
        Header header = headers.lastHeader(HEADER);
        if (header != null) {
            headers.remove(HEADER);
        }
        RecordMetadata meta = context.recordMetadata().orElse(null);
        if (meta != null && upstreamTopic.equals(meta.topic())) {
            return new Coordinates(meta.partition(), meta.offset());
        }
        byte[] value = header == null ? null : header.value();
        if (value == null || value.length != 12) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.wrap(value);
        return new Coordinates(buffer.getInt(), buffer.getLong());
    }
}
