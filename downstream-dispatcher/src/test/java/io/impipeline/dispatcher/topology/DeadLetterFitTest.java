package io.impipeline.dispatcher.topology;

import java.nio.charset.StandardCharsets;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.wire.PresenceEvent;
import io.impipeline.platform.dlq.DeadLetterFit;
import io.impipeline.platform.kafka.RecordSizeGuard;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12, sizes at the limits: a record the broker took (compressed) can be larger than anything the dispatcher's
 * producer may write, and its dead letter is larger still. Written as it is it would fail the producer and stop the
 * app at every restart; it is cut to fit instead, saying so. (On a broker: DispatcherIntegrationTest.)
 */
class DeadLetterFitTest {

    private static final int LIMIT = RecordSizeGuard.forMaxRequestSize(2 * 1024 * 1024).limit();

    private final DispatchTopologyFixture f = new DispatchTopologyFixture();

    @AfterEach
    void close() {
        f.close();
    }

    @Test
    void presenceWithAKeyLargerThanTheProducerMayWriteIsDeadLetteredCutToFit() {
        String huge = "k".repeat(3 * 1024 * 1024);
        byte[] event = WireJson.toBytes(new PresenceEvent("bob", "phone", "gw-a", PresenceEvent.Status.ONLINE,
                f.now()));

        f.presence.pipeInput(huge, event);

        TestRecord<String, byte[]> dead = f.dlq(TopicKind.PRESENCE).readRecord();
        assertThat(size(dead)).isLessThanOrEqualTo(LIMIT);
        assertThat(dead.key()).hasSize(DeadLetterFit.KEPT_KEY_BYTES);
        assertThat(dead.value()).isEqualTo(event);
        assertThat(DeadLetterHeaders.text(dead.headers(), ImHeaders.DLT_REASON)).isEqualTo("INVALID_FIELD");
        assertThat(DeadLetterHeaders.text(dead.headers(), DeadLetterHeaders.DLT_EXCEPTION_MESSAGE))
                .contains("record key must be the user_id", "dead letter cut to fit", "key 3145728 bytes");
        assertThat(f.count(DeadLetterFit.METRIC, "topic", "im-presence-topic-dlq")).isEqualTo(1);
    }

    @Test
    void routedRecordLargerThanTheProducerMayWriteIsDeadLetteredCutToFitWithItsOriginHeaders() {
        byte[] huge = ("{\"content\":\"" + "x".repeat(3 * 1024 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);

        f.routed.pipeInput("bob", huge);

        TestRecord<String, byte[]> dead = f.dlq(TopicKind.ROUTED).readRecord();
        assertThat(size(dead)).isLessThanOrEqualTo(LIMIT).isGreaterThan(LIMIT - 64);
        assertThat(dead.key()).isEqualTo("bob");
        assertThat(dead.value()).hasSizeLessThan(huge.length).startsWith("{\"content\":\"xxx".getBytes(
                StandardCharsets.UTF_8));
        assertThat(DeadLetterHeaders.text(dead.headers(), ImHeaders.DLT_REASON)).isEqualTo("TOO_LARGE");
        assertThat(DeadLetterHeaders.text(dead.headers(), DeadLetterHeaders.DLT_ORIGINAL_TOPIC))
                .isEqualTo("im-routed-topic");
        assertThat(DeadLetterHeaders.longValue(dead.headers(), DeadLetterHeaders.DLT_ORIGINAL_OFFSET)).isZero();
        assertThat(f.count(DeadLetterFit.METRIC, "topic", "im-routed-topic-dlq")).isEqualTo(1);
    }

    @Test
    void deadLetterThatFitsIsWrittenUnchanged() {
        byte[] broken = "{\"message_id\": \"x".getBytes(StandardCharsets.UTF_8);
        RecordHeaders headers = new RecordHeaders();
        headers.add("custom", "kept".getBytes(StandardCharsets.UTF_8));

        f.routed.pipeInput(new TestRecord<>("bob", broken, headers));

        TestRecord<String, byte[]> dead = f.dlq(TopicKind.ROUTED).readRecord();
        assertThat(dead.value()).isEqualTo(broken);
        assertThat(DeadLetterHeaders.text(dead.headers(), "custom")).isEqualTo("kept");
        assertThat(f.count(DeadLetterFit.METRIC, "topic", "im-routed-topic-dlq")).isZero();
    }

    private static int size(TestRecord<String, byte[]> r) {
        return RecordSizeGuard.sizeOf(r.key() == null ? -1 : r.key().getBytes(StandardCharsets.UTF_8).length,
                r.value() == null ? -1 : r.value().length, r.headers());
    }
}
