package io.impipeline.platform.kafka;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecordSizeGuardTest {

    /** The guard measures what the producer measures before it refuses a record (RecordTooLargeException). */
    @ParameterizedTest
    @CsvSource({"0, 0, 0", "5, 100, 0", "40, 100000, 3", "200, 3000000, 1", "-1, 10, 2", "10, -1, 0"})
    void sizeIsTheProducersOwnEstimate(int keyLength, int valueLength, int headerCount) {
        String key = keyLength < 0 ? null : "k".repeat(keyLength);
        byte[] value = valueLength < 0 ? null : new byte[valueLength];
        RecordHeaders headers = new RecordHeaders();
        for (int i = 0; i < headerCount; i++) {
            headers.add("h" + i, ("v" + i).repeat(i * 100).getBytes(StandardCharsets.UTF_8));
        }

        int expected = AbstractRecords.estimateSizeInBytesUpperBound(RecordBatch.CURRENT_MAGIC_VALUE,
                CompressionType.LZ4, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value,
                headers.toArray());

        assertThat(RecordSizeGuard.sizeOf(key, value, headers)).isEqualTo(expected);
    }

    @Test
    void limitLeavesRoomForCompressionFramingBelowTheProducersSize() {
        RecordSizeGuard guard = RecordSizeGuard.forMaxRequestSize(2 * 1024 * 1024);

        // lz4 stores an incompressible 64 KiB block with 4 bytes of header: 128 bytes for 2 MiB, plus the frame.
        assertThat(guard.limit()).isEqualTo(2 * 1024 * 1024 - 64 - 256);
        assertThat(guard.fits(guard.limit())).isTrue();
        assertThat(guard.fits(guard.limit() + 1)).isFalse();
        assertThatThrownBy(() -> RecordSizeGuard.forMaxRequestSize(100)).isInstanceOf(IllegalArgumentException.class);
    }
}
