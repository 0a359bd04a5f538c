package io.impipeline.router.web;

import java.io.ByteArrayInputStream;
import java.io.InputStream;

import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.platform.web.ApiError;
import io.impipeline.router.settings.RouterProperties;
import org.junit.jupiter.api.Test;
import org.springframework.http.ResponseEntity;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12: the ingress read the whole body (up to 100 MiB) before it looked at its size. It reads at most
 * {@code im.router.max-ingress-bytes} now and answers 413 as soon as the body is over.
 */
class IngressBodyLimitTest {

    private static final int LIMIT = 1024 * 1024;

    /** No broker: nothing here gets as far as sending. */
    private final IngressController ingress = new IngressController(WireValidator.withDefaults(), null,
            RouterProperties.defaults().withMaxIngressBytes(DataSize.ofBytes(LIMIT)), ImTopicsProperties.defaults());

    /** {@code size} bytes of a JSON array that never ends, counting what was read. */
    static final class EndlessBody extends InputStream {
        final long size;
        long read;

        EndlessBody(long size) {
            this.size = size;
        }

        @Override
        public int read() {
            if (read >= size) {
                return -1;
            }
            return read++ == 0 ? '[' : ' ';
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (read >= size) {
                return -1;
            }
            int n = (int) Math.min(len, size - read);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) read();
            }
            return n;
        }
    }

    @Test
    void bodyOverTheLimitIs413AfterReadingNoMoreThanTheLimit() throws Exception {
        EndlessBody body = new EndlessBody(5L * 1024 * 1024);

        ResponseEntity<?> answer = ingress.publish(body, null);

        assertThat(answer.getStatusCode().value()).isEqualTo(413);
        assertThat(((ApiError) answer.getBody()).error()).isEqualTo("TOO_LARGE");
        assertThat(((ApiError) answer.getBody()).detail()).contains("im.router.max-ingress-bytes");
        assertThat(body.read).isLessThanOrEqualTo(LIMIT + 1);
    }

    @Test
    void declaredLengthOverTheLimitIs413BeforeReadingAnything() throws Exception {
        EndlessBody body = new EndlessBody(5L * 1024 * 1024);

        ResponseEntity<?> answer = ingress.publish(body, 5L * 1024 * 1024);

        assertThat(answer.getStatusCode().value()).isEqualTo(413);
        assertThat(body.read).isZero();
    }

    @Test
    void bodyOfExactlyTheLimitIsReadAndValidated() throws Exception {
        byte[] notJson = new byte[LIMIT];
        java.util.Arrays.fill(notJson, (byte) 'x');

        ResponseEntity<?> answer = ingress.publish(new ByteArrayInputStream(notJson), (long) LIMIT);

        assertThat(answer.getStatusCode().value()).isEqualTo(400);
        assertThat(((ApiError) answer.getBody()).error()).isEqualTo("MALFORMED_JSON");
    }
}
