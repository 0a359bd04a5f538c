package io.impipeline.platform.kafka;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.record.DefaultRecord;
import org.apache.kafka.common.record.DefaultRecordBatch;

/**
 * The largest record the router may write, and the size of a record as Kafka's producer measures it before it
 * sends ({@code AbstractRecords.estimateSizeInBytesUpperBound}: batch overhead, key, value, headers, uncompressed),
 * the number the producer compares with {@code max.request.size} and fails the send with
 * {@code RecordTooLargeException} above it, which stops a Kafka Streams app.
 *
 * <p>The limit is the configured size less a small allowance for compression framing: the broker compares the
 * <em>compressed</em> batch with the topic's {@code max.message.bytes}, and lz4, zstd and gzip store a block that
 * does not compress as it is plus a few bytes per block (lz4: 4 bytes per 64 KiB). With topics whose
 * {@code max.message.bytes} equals the producers' {@code max.request.size} (the pipeline's layout), a record that
 * fits the producer would otherwise fail at the broker by those few bytes. Snappy's worst case (+17%) is not
 * covered: the pipeline uses lz4.
 */
public final class RecordSizeGuard {

    /** {@code max.request.size} when nothing sets it (Kafka's default). */
    public static final int KAFKA_DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024;

    private final int maxRequestSize;
    private final int limit;

    private RecordSizeGuard(int maxRequestSize) {
        if (maxRequestSize < 1024) {
            throw new IllegalArgumentException("the record size limit must be at least 1024 bytes, not "
                    + maxRequestSize);
        }
        this.maxRequestSize = maxRequestSize;
        this.limit = maxRequestSize - compressionAllowance(maxRequestSize);
    }

    /** A guard for producers (and topics) that take records up to {@code maxRequestSize} bytes. */
    public static RecordSizeGuard forMaxRequestSize(int maxRequestSize) {
        return new RecordSizeGuard(maxRequestSize);
    }

    /** 64 bytes of frame plus 8 bytes per 64 KiB block: twice what lz4 adds to incompressible data. */
    static int compressionAllowance(int maxRequestSize) {
        return 64 + maxRequestSize / 8192;
    }

    /** The configured size this guard was made for. */
    public int maxRequestSize() {
        return maxRequestSize;
    }

    /** The largest size (as {@link #sizeOf} measures) a record may have. */
    public int limit() {
        return limit;
    }

    public boolean fits(int size) {
        return size <= limit;
    }

    /** The producer's upper-bound estimate for one record (a batch of its own). */
    public static int sizeOf(String key, byte[] value, Headers headers) {
        return sizeOf(key == null ? -1 : key.getBytes(StandardCharsets.UTF_8).length,
                value == null ? -1 : value.length, headers);
    }

    /** The same from sizes: -1 for a null key or value. */
    public static int sizeOf(int keySize, int valueSize, Headers headers) {
        Header[] array = headers == null ? new Header[0] : headers.toArray();
        // DefaultRecordBatch.estimateBatchSizeUpperBound: batch overhead + DefaultRecord.MAX_RECORD_OVERHEAD + the
        // size of key, value and headers with their lengths (the body less attributes and two zero deltas).
        return DefaultRecordBatch.RECORD_BATCH_OVERHEAD + DefaultRecord.MAX_RECORD_OVERHEAD
                + DefaultRecord.sizeOfBodyInBytes(0, 0, keySize, valueSize, array) - 3;
    }

    @Override
    public String toString() {
        return limit + " bytes (max.request.size " + maxRequestSize + " less " + compressionAllowance(maxRequestSize)
                + " for compression framing)";
    }
}
