package io.impipeline.worker.batch;

import java.nio.ByteBuffer;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Headers of a task on the retry topic: the attempt it is waiting for, when it is due, and where it came from on
 * the task topic (so that its dead letter names the task topic and offset, and a replay goes back there).
 */
public final class RetryHeaders {

    /** The attempt this record will be (2, 3, ...); absent on the task topic, where it is attempt 1. */
    public static final String ATTEMPT = "im_retry-attempt";
    /** Epoch ms before which the attempt must not start. */
    public static final String DUE = "im_retry-due";
    public static final String ORIGIN_PARTITION = "im_retry-origin-partition";
    public static final String ORIGIN_OFFSET = "im_retry-origin-offset";
    public static final String ORIGIN_TIMESTAMP = "im_retry-origin-timestamp";

    private static final String[] ALL = {ATTEMPT, DUE, ORIGIN_PARTITION, ORIGIN_OFFSET, ORIGIN_TIMESTAMP};

    private RetryHeaders() {
    }

    public static int attempt(Headers headers) {
        Long value = longValue(headers, ATTEMPT);
        return value == null ? 1 : value.intValue();
    }

    public static long due(Headers headers) {
        Long value = longValue(headers, DUE);
        return value == null ? 0 : value;
    }

    public static Long longValue(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null || h.value().length != Long.BYTES ? null
                : ByteBuffer.wrap(h.value()).getLong();
    }

    public static void put(Headers headers, String name, long value) {
        headers.remove(name);
        headers.add(name, ByteBuffer.allocate(Long.BYTES).putLong(value).array());
    }

    public static void removeAll(Headers headers) {
        for (String name : ALL) {
            headers.remove(name);
        }
    }
}
