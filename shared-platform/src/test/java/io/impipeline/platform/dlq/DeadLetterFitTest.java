package io.impipeline.platform.dlq;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.model.dlq.RejectedRecordException;
import io.impipeline.model.codec.Rejection;
import io.impipeline.platform.kafka.RecordSizeGuard;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.mock.MockProducerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12: a dead letter larger than its producer may write would fail the producer and block the partition (a
 * Streams app stops, a listener retries its poll for ever); it is cut to fit, saying so, and one that fits is
 * written unchanged.
 */
class DeadLetterFitTest {

    private static final int ONE_MIB = 1024 * 1024;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final DeadLetterFit fit = new DeadLetterFit(RecordSizeGuard.forMaxRequestSize(ONE_MIB), "stage-x", meters);

    @Test
    void aDeadLetterThatFitsIsLeftAsItIs() {
        Headers headers = letterHeaders();
        headers.add("custom", "kept".getBytes(StandardCharsets.UTF_8));

        assertThat(fit.fits("k".getBytes(StandardCharsets.UTF_8), new byte[ONE_MIB / 2], headers)).isTrue();
        assertThat(meters.find(DeadLetterFit.METRIC).counter()).isNull();
    }

    @Test
    void anOversizeDeadLetterIsCutToTheLimitKeepingItsDeadLetterHeadersAndSayingWhatWasCut() {
        Headers headers = letterHeaders();
        headers.add("custom", new byte[4096]);
        byte[] key = "u".repeat(5000).getBytes(StandardCharsets.UTF_8);
        byte[] value = new byte[3 * ONE_MIB];
        Arrays.fill(value, (byte) 'x');

        assertThat(fit.fits(key, value, headers)).isFalse();
        DeadLetterFit.Letter letter = fit.cut("t-dlq", key, value, headers);

        assertThat(RecordSizeGuard.sizeOf(letter.key().length, letter.value().length, letter.headers()))
                .isLessThanOrEqualTo(fit.guard().limit()).isGreaterThan(fit.guard().limit() - 64);
        assertThat(letter.key()).hasSize(DeadLetterFit.KEPT_KEY_BYTES);
        assertThat(letter.headers().lastHeader("custom")).isNull();
        assertThat(DeadLetterHeaders.text(letter.headers(), ImHeaders.DLT_REASON)).isEqualTo("TOO_LARGE");
        assertThat(DeadLetterHeaders.text(letter.headers(), DeadLetterHeaders.DLT_ORIGINAL_TOPIC)).isEqualTo("t");
        assertThat(DeadLetterHeaders.text(letter.headers(), DeadLetterHeaders.DLT_EXCEPTION_MESSAGE))
                .startsWith("too big").contains("dead letter cut to fit", "key 5000 bytes", "value 3145728 bytes",
                        "1 original headers dropped");
        assertThat(meters.counter(DeadLetterFit.METRIC, "stage", "stage-x", "topic", "t-dlq").count()).isEqualTo(1);
    }

    @Test
    void aKeyIsCutAtACharacterBoundary() {
        byte[] key = "é".repeat(600).getBytes(StandardCharsets.UTF_8); // 1,200 bytes of two-byte characters
        DeadLetterFit.Letter letter = fit.cut("t-dlq", key, new byte[2 * ONE_MIB], letterHeaders());

        assertThat(letter.key()).hasSize(DeadLetterFit.KEPT_KEY_BYTES);
        assertThat(new String(letter.key(), StandardCharsets.UTF_8)).isEqualTo("é".repeat(512));
        assertThat(DeadLetterFit.utf8Prefix("aé".getBytes(StandardCharsets.UTF_8), 2)).containsExactly('a');
    }

    /** The listeners' recoverer (task-worker): what it sends fits the template producer's max.request.size. */
    @Test
    void theListenersRecovererSendsAnOversizeDeadLetterCutToFit() {
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        KafkaTemplate<String, byte[]> template = new KafkaTemplate<>(new MockProducerFactory<>(() -> producer));
        var recoverer = DeadLetterPublishers.recoverer(template, "task-worker", "-dlq",
                e -> ReasonCode.PROCESSING_ERROR, meters);
        byte[] value = new byte[3 * ONE_MIB];
        ConsumerRecord<String, byte[]> failed = new ConsumerRecord<>("im-group-topic", 0, 42L, "g-1", value);

        recoverer.accept(failed, new RejectedRecordException(Rejection.of(ReasonCode.TOO_LARGE, "too big")));

        assertThat(producer.history()).hasSize(1);
        ProducerRecord<String, byte[]> sent = producer.history().get(0);
        assertThat(sent.topic()).isEqualTo("im-group-topic-dlq");
        assertThat(sent.key()).isEqualTo("g-1");
        assertThat(RecordSizeGuard.sizeOf(sent.key(), sent.value(), sent.headers()))
                .isLessThanOrEqualTo(RecordSizeGuard.forMaxRequestSize(RecordSizeGuard.KAFKA_DEFAULT_MAX_REQUEST_SIZE)
                        .limit());
        assertThat(DeadLetterHeaders.longValue(sent.headers(), DeadLetterHeaders.DLT_ORIGINAL_OFFSET)).isEqualTo(42L);
        assertThat(DeadLetterHeaders.text(sent.headers(), ImHeaders.DLT_REASON)).isEqualTo("TOO_LARGE");
        assertThat(meters.counter(DeadLetterFit.METRIC, "stage", "task-worker", "topic", "im-group-topic-dlq")
                .count()).isEqualTo(1);
    }

    private static Headers letterHeaders() {
        Headers headers = new RecordHeaders();
        headers.add(DeadLetterHeaders.DLT_ORIGINAL_TOPIC, "t".getBytes(StandardCharsets.UTF_8));
        headers.add(ImHeaders.DLT_REASON, "TOO_LARGE".getBytes(StandardCharsets.UTF_8));
        headers.add(DeadLetterHeaders.DLT_EXCEPTION_MESSAGE, "too big".getBytes(StandardCharsets.UTF_8));
        return headers;
    }
}
