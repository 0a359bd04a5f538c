package io.impipeline.dlq.replay;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import io.impipeline.dlq.letter.StoredHeader;
import io.impipeline.dlq.settings.DlqProperties;
import io.impipeline.dlq.store.DeadLetterRow;
import io.impipeline.dlq.store.DeadLetterStatus;
import io.impipeline.model.topics.ImTopicsProperties;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DeadLetterReplayerTest {

    private static final DlqProperties PROPERTIES = new DlqProperties(
            new DlqProperties.Capture("g", Duration.ofSeconds(1), 1, 10, Duration.ofSeconds(1), Duration.ofSeconds(1),
                    3, 20, Duration.ofMinutes(1)),
            new DlqProperties.Replay(Duration.ofSeconds(1), 10, 10,
                    List.of("kafka_dlt-", "im_dlt-", "retry_topic-", "im_replay-count"),
                    List.of("upstream", "routed", "task", "presence", "gateway", "group"), List.of()),
            new DlqProperties.TopicReplay(1, 1, 1, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ZERO),
            new DlqProperties.Api(1, 1));
    private static final ReplayTargets TARGETS = new ReplayTargets(PROPERTIES, ImTopicsProperties.defaults());

    @Test
    void replayRecordIsTheOriginalWithoutDeadLetterHeadersPlusTheNextReplayCount() {
        DeadLetterReplayer replayer = new DeadLetterReplayer(null, null, null, null, null, PROPERTIES, TARGETS,
                Clock.systemUTC());
        List<StoredHeader> headers = List.of(header("traceparent", "00-a-b-01"),
                header("kafka_dlt-original-topic", "im-upstream-topic"), header("im_dlt-reason", "MISSING_FIELD"),
                header("retry_topic-attempts", "3"), header("im_replay-count", "4"), header("custom", "x"),
                new StoredHeader("binary", Base64.getEncoder().encodeToString(new byte[] {0, (byte) 0xFF}), null, null));
        byte[] value = "{\"message_id\":\"m\"}".getBytes(StandardCharsets.UTF_8);
        DeadLetterRow row = new DeadLetterRow(9, "im-upstream-topic-dlq", 0, 5, "user_1".getBytes(StandardCharsets.UTF_8),
                "user_1", value, null, headers, "upstream-router", "MISSING_FIELD", null, null, "im-upstream-topic", 1,
                4L, null, Instant.EPOCH, Instant.EPOCH, DeadLetterStatus.REPLAYED, null, 2, null,
                value.length, null, null, null, null);

        ProducerRecord<byte[], byte[]> r = replayer.recordFor(row);

        assertThat(r.topic()).isEqualTo("im-upstream-topic");
        assertThat(r.partition()).as("partitioned by key, like the original").isNull();
        assertThat(r.key()).isEqualTo("user_1".getBytes(StandardCharsets.UTF_8));
        assertThat(r.value()).isEqualTo(value);
        List<String> names = new ArrayList<>();
        for (Header h : r.headers()) {
            names.add(h.key());
        }
        assertThat(names).containsExactly("traceparent", "custom", "binary", "im_replay-count");
        assertThat(r.headers().lastHeader("binary").value()).containsExactly(0, (byte) 0xFF);
        assertThat(new String(r.headers().lastHeader("im_replay-count").value(), StandardCharsets.UTF_8))
                .as("the record had been replayed 4 times before it failed again").isEqualTo("5");
    }

    @Test
    void replayCountContinuesFromTheRowWhenTheRecordCarriedNone() {
        DeadLetterReplayer replayer = new DeadLetterReplayer(null, null, null, null, null, PROPERTIES, TARGETS,
                Clock.systemUTC());
        DeadLetterRow row = new DeadLetterRow(9, "t-dlq", 0, 5, null, null, null, null, List.of(), null, null, null,
                null, "t", null, null, null, Instant.EPOCH, Instant.EPOCH, DeadLetterStatus.REPLAYED, null, 2, null, 0,
                null, null, null, null);
        assertThat(new String(replayer.recordFor(row).headers().lastHeader("im_replay-count").value(),
                StandardCharsets.UTF_8)).isEqualTo("3");
    }

    @Test
    void aHeaderNameWithNulIsReplayedWithItsExactName() {
        DeadLetterReplayer replayer = new DeadLetterReplayer(null, null, null, null, null, PROPERTIES, TARGETS,
                Clock.systemUTC());
        StoredHeader stored = StoredHeader.of("a\0b", Base64.getEncoder().encodeToString(new byte[] {1}), null, null);
        assertThat(stored.name()).isEqualTo("a\uFFFDb");
        DeadLetterRow row = new DeadLetterRow(9, "t-dlq", 0, 5, null, null, null, null, List.of(stored), null, null,
                null, null, "t", null, null, null, Instant.EPOCH, Instant.EPOCH, DeadLetterStatus.NEW, null, 0, null, 0,
                null, null, null, null);
        Header h = replayer.recordFor(row).headers().headers("a\0b").iterator().next();
        assertThat(h.value()).containsExactly(1);
    }

    @Test
    void theDefaultReplayTargetsAreTheInputTopicsNamedThroughImTopics() {
        ImTopicsProperties prefixed = new ImTopicsProperties("prod.", "lz4", 2, null, null, null, null, null, null);
        ReplayTargets targets = new ReplayTargets(PROPERTIES, prefixed);
        assertThat(targets.allowed("prod.im-upstream-topic")).isTrue();
        assertThat(targets.allowed("prod.im-group-topic")).isTrue();
        assertThat(targets.allowed("im-upstream-topic")).as("without the prefix").isFalse();
        assertThat(targets.allowed("prod.im-upstream-topic-dlq")).isFalse();
        assertThat(targets.allowed("prod.im-downstream-topic-gateway_001")).isFalse();
        assertThat(targets.allowed("upstream-router-im-router-sequence-store-changelog")).isFalse();
        assertThat(targets.allowed(null)).isFalse();

        DlqProperties withPattern = new DlqProperties(PROPERTIES.capture(), new DlqProperties.Replay(
                Duration.ofSeconds(1), 10, 10, List.of(), List.of("upstream"), List.of("scratch-.*")),
                PROPERTIES.topicReplay(), PROPERTIES.api());
        ReplayTargets custom = new ReplayTargets(withPattern, ImTopicsProperties.defaults());
        assertThat(custom.allowed("scratch-1")).isTrue();
        assertThat(custom.allowed("my-scratch-1")).as("the whole name must match").isFalse();
        assertThat(custom.allowed("im-routed-topic")).as("only the kinds listed").isFalse();
    }

    private static StoredHeader header(String name, String text) {
        return new StoredHeader(name, Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)), text,
                null);
    }
}
