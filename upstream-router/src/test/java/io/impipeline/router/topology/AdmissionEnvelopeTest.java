package io.impipeline.router.topology;

import io.impipeline.platform.kafka.RecordSizeGuard;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.router.metrics.RouterMetrics;
import io.impipeline.router.settings.RouterProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

import static io.impipeline.router.topology.RouterDriver.T0;
import static io.impipeline.router.topology.RouterDriver.TOPICS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Admission} refuses a message whose re-encoded bytes plus {@link Admission#ENVELOPE_BYTES} would not fit;
 * the envelope must cover what the largest single record of a message adds, or a message would pass admission
 * and only fail at the route step (after dedup remembered it).
 */
class AdmissionEnvelopeTest {

    /** 128 chars (the id limit), 3 UTF-8 bytes each. */
    private static final String LONGEST_ID = "\u4e2d".repeat(128);

    private static UpstreamMessage withLongestIds(boolean group) {
        return new UpstreamMessage(LONGEST_ID + "m", LONGEST_ID + "f", group ? null : LONGEST_ID + "t",
                LONGEST_ID + "c", "hello", "text", Map.of(), LONGEST_ID + "g", LONGEST_ID + "d",
                Long.MAX_VALUE, "1.0", group ? LONGEST_ID + "G" : null, Long.MAX_VALUE);
    }

    private static void assertEnvelopeCovers(UpstreamMessage message, List<String> members, int smallGroupMax) {
        RouteBuilder routes = new RouteBuilder(RouterProperties.defaults().withSmallGroupMax(smallGroupMax),
                TaskKeyStrategy.ENTITY, TOPICS.spec(TopicKind.ROUTED), TOPICS.name(TopicKind.TASK),
                new RouterMetrics(new SimpleMeterRegistry()), Clock.fixed(T0, ZoneOffset.UTC));
        RecordHeaders headers = new RecordHeaders();
        int admitted = RecordSizeGuard.sizeOf(0, WireJson.toBytes(message).length + Admission.ENVELOPE_BYTES,
                headers);
        List<KeyValue<String, Output>> records = routes.build(new SequencedMessage(message, Long.MAX_VALUE,
                Long.MAX_VALUE), members).records();
        assertThat(records).isNotEmpty().allSatisfy(record -> assertThat(
                RecordSizeGuard.sizeOf(record.key, record.value.value(), headers)).isLessThanOrEqualTo(admitted));
    }

    @Test
    void envelopeCoversThePersistTaskAndTheRoutedCopiesOfASingleChatMessage() {
        assertEnvelopeCovers(withLongestIds(false), List.of(), 200);
    }

    @Test
    void envelopeCoversTheGroupFanoutTask() {
        assertEnvelopeCovers(withLongestIds(true), List.of("a", "b", "c"), 1);
    }

    @Test
    void envelopeCoversABatchForOneMemberWithTheLongestId() {
        assertEnvelopeCovers(withLongestIds(true), List.of(LONGEST_ID + "f", LONGEST_ID + "x"), 200);
    }
}
