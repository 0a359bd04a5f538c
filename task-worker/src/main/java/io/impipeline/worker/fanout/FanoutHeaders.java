package io.impipeline.worker.fanout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Where a {@code group_fanout} task record stands in its fan-out: the headers of a continuation (the task the worker
 * writes back to the task topic after each page, its value byte-for-byte the original task). Absent on the task the
 * router wrote: page 1 from the start. Kept on retries and dead letters, so a replay resumes at its page.
 */
public final class FanoutHeaders {

    /** The page this record writes (1, 2, ...). */
    public static final String PAGE = "im_fanout-page";
    /** Keyset cursor: the last member {@code user_id} of the page before (UTF-8). */
    public static final String AFTER = "im_fanout-after";
    /** Routed records written by the pages before. */
    public static final String RECORDS = "im_fanout-records";

    /** A record's place in its fan-out. */
    public record Position(int page, String afterUserId, long recordsSoFar) {
        public static final Position START = new Position(1, "", 0);
    }

    private FanoutHeaders() {
    }

    public static Position position(Headers headers) {
        Long page = longValue(headers, PAGE);
        Header after = headers.lastHeader(AFTER);
        Long records = longValue(headers, RECORDS);
        if (page == null || page < 1 || page > Integer.MAX_VALUE || after == null || after.value() == null) {
            return Position.START;
        }
        return new Position(page.intValue(), new String(after.value(), StandardCharsets.UTF_8),
                records == null || records < 0 ? 0 : records);
    }

    /** Replaces the position headers. */
    public static void put(Headers headers, Position position) {
        headers.remove(PAGE);
        headers.remove(AFTER);
        headers.remove(RECORDS);
        headers.add(PAGE, ByteBuffer.allocate(Long.BYTES).putLong(position.page()).array());
        headers.add(AFTER, position.afterUserId().getBytes(StandardCharsets.UTF_8));
        headers.add(RECORDS, ByteBuffer.allocate(Long.BYTES).putLong(position.recordsSoFar()).array());
    }

    private static Long longValue(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null || h.value().length != Long.BYTES ? null
                : ByteBuffer.wrap(h.value()).getLong();
    }
}
