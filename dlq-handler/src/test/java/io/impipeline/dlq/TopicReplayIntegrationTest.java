package io.impipeline.dlq;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.impipeline.model.ImHeaders;
import io.impipeline.testkit.KafkaTestClients;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class TopicReplayIntegrationTest extends DlqIntegrationSupport {

    private static final long BASE = 1_760_000_000_000L;
    private static final long SECOND = 1_000L;

    @Test
    void replayOfATimestampRangeCopiesExactlyThatRange() {
        String source = unique("im-routed-topic");
        String target = unique("im-routed-topic-copy");
        createTopics(1, source, target);
        // Seconds 0..9, with second 5 written late (after 8): out of order, but inside the range.
        long[] seconds = {0, 1, 2, 3, 4, 6, 7, 8, 5, 9};
        for (long s : seconds) {
            RecordHeaders headers = new RecordHeaders();
            headers.add("origin", ("gw-" + s).getBytes(StandardCharsets.UTF_8));
            send(new ProducerRecord<>(source, 0, BASE + s * SECOND, "k" + s, ("v" + s).getBytes(StandardCharsets.UTF_8),
                    headers));
        }

        Response started = post("/api/v1/replays", Map.of("source_topic", source, "target_topic", target,
                "from_timestamp", Instant.ofEpochMilli(BASE + 3 * SECOND).toString(),
                "to_timestamp", String.valueOf(BASE + 7 * SECOND), "rate_per_second", 1000));
        assertThat(started.status()).isEqualTo(202);
        JsonNode job = awaitFinished(started.body().get("id").asString());

        assertThat(job.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(job.get("copied").asLong()).isEqualTo(4);
        List<ConsumerRecord<String, byte[]>> copied = KafkaTestClients.readUntil(broker.getBrokersAsString(),
                List.of(target), r -> r.size() > 4, Duration.ofSeconds(3));
        assertThat(copied).extracting(ConsumerRecord::key).containsExactly("k3", "k4", "k6", "k5");
        for (ConsumerRecord<String, byte[]> r : copied) {
            String s = r.key().substring(1);
            assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("v" + s);
            assertThat(header(r, "origin")).isEqualTo("gw-" + s);
            assertThat(header(r, ImHeaders.REPLAY_COUNT)).isEqualTo("1");
        }
    }

    @Test
    void replayOfAnOffsetRangeOnChosenPartitionsCopiesThoseRecords() {
        String source = unique("im-task-topic");
        String target = unique("im-task-topic-copy");
        createTopics(2, source, target);
        for (int i = 0; i < 6; i++) {
            send(new ProducerRecord<>(source, i % 2, "p" + (i % 2) + "-" + (i / 2), new byte[] {(byte) i}));
        }
        Map<String, Object> body = new HashMap<>(Map.of("source_topic", source, "target_topic", target,
                "partitions", List.of(1), "from_offset", 1, "to_offset", 3));
        JsonNode job = awaitFinished(post("/api/v1/replays", body).body().get("id").asString());

        assertThat(job.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(job.get("planned").asLong()).isEqualTo(2);
        assertThat(job.get("partitions").get("1").get("position").asLong()).isEqualTo(3);
        List<ConsumerRecord<String, byte[]>> copied = KafkaTestClients.readUntil(broker.getBrokersAsString(),
                List.of(target), r -> r.size() > 2, Duration.ofSeconds(3));
        assertThat(copied).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("p1-1", "p1-2");
    }

    @Test
    void aRunningReplayCanBeCancelled() {
        String source = unique("im-upstream-topic");
        String target = unique("im-upstream-topic-copy");
        createTopics(1, source, target);
        for (int i = 0; i < 50; i++) {
            send(new ProducerRecord<>(source, "k" + i, new byte[] {1}));
        }
        Response started = post("/api/v1/replays", Map.of("source_topic", source, "target_topic", target,
                "from_offset", 0, "rate_per_second", 5));
        String id = started.body().get("id").asString();
        await().atMost(WAIT).until(() -> get("/api/v1/replays/" + id).body().get("copied").asLong() > 0);

        Response cancelled = post("/api/v1/replays/" + id + "/cancel", null);
        assertThat(cancelled.status()).isEqualTo(200);
        JsonNode job = awaitFinished(id);
        assertThat(job.get("status").asString()).isEqualTo("CANCELLED");
        assertThat(job.get("copied").asLong()).isBetween(1L, 49L);
        assertThat(post("/api/v1/replays/" + id + "/cancel", null).status()).isEqualTo(409);
    }

    @Test
    void badReplayRequestsAreRefused() {
        String source = unique("im-upstream-topic");
        createTopics(1, source);
        assertError(post("/api/v1/replays", Map.of("source_topic", source, "target_topic", source, "from_offset", 0)),
                "SAME_TOPIC");
        assertError(post("/api/v1/replays", Map.of("source_topic", "no-such-topic", "target_topic", source,
                "from_offset", 0)), "UNKNOWN_TOPIC");
        assertError(post("/api/v1/replays", Map.of("source_topic", source, "target_topic", "no-such-topic",
                "from_offset", 0)), "TOPIC_NOT_ALLOWED");
        assertError(post("/api/v1/replays", Map.of("source_topic", source, "target_topic",
                unique("im-missing-topic"), "from_offset", 0)), "UNKNOWN_TOPIC");
        assertError(post("/api/v1/replays", Map.of("source_topic", source, "target_topic", "x")), "INVALID_FIELD");
        assertError(post("/api/v1/replays", Map.of("source_topic", source, "target_topic", "x", "from_offset", 0,
                "from_timestamp", "2026-01-01T00:00:00Z")), "INVALID_FIELD");
        assertError(post("/api/v1/replays", Map.of("source_topic", source, "target_topic", "x", "from_offset", 5,
                "to_offset", 2)), "INVALID_FIELD");
        String target = unique("im-upstream-topic");
        createTopics(1, target);
        assertError(post("/api/v1/replays", Map.of("source_topic", source, "target_topic", target,
                "partitions", List.of(7), "from_offset", 0)), "UNKNOWN_PARTITION");
        assertError(post("/api/v1/replays", Map.of("target_topic", "x", "from_offset", 0)), "MISSING_FIELD");
        assertError(post("/api/v1/replays", Map.of("source_topic", source, "target_topic", "x", "from_offset", 0,
                "rate_per_second", 0)), "INVALID_FIELD");
        assertError(post("/api/v1/replays", Map.of("source_topic", source, "target_topic", "x", "from_offset", 0,
                "partition", List.of(0))), "UNKNOWN_FIELD");
        assertThat(get("/api/v1/replays/00000000-0000-0000-0000-000000000000").status()).isEqualTo(404);
    }

    @Test
    void replayIntoAChangelogOrAGatewayTopicIsRefusedAndIntoTheUpstreamTopicAllowed() {
        String source = unique("im-upstream-topic") + "-dlq";
        createTopics(1, source);
        String changelog = "im-logic-group-im-router-dedup-store-changelog";
        String gateway = "im-downstream-topic-gateway_002";
        ensureTopic(changelog);
        ensureTopic(gateway);
        ensureTopic("im-upstream-topic");
        String k = unique("topic-replay");
        for (int i = 0; i < 3; i++) {
            send(new ProducerRecord<>(source, k + "-" + i, new byte[] {(byte) i}));
        }
        for (String refused : List.of(changelog, gateway, "im-upstream-topic-dlq", "__consumer_offsets")) {
            Response r = post("/api/v1/replays", Map.of("source_topic", source, "target_topic", refused,
                    "from_offset", 0));
            assertError(r, "TOPIC_NOT_ALLOWED");
            assertThat(r.body().get("detail").asString()).contains(refused).contains("im-upstream-topic");
        }

        Response started = post("/api/v1/replays", Map.of("source_topic", source, "target_topic",
                "im-upstream-topic", "from_offset", 0, "rate_per_second", 1000));
        assertThat(started.status()).isEqualTo(202);
        JsonNode job = awaitFinished(started.body().get("id").asString());
        assertThat(job.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(job.get("copied").asLong()).isEqualTo(3);
        List<ConsumerRecord<String, byte[]>> copied = KafkaTestClients.readUntil(broker.getBrokersAsString(),
                List.of("im-upstream-topic"), rs -> rs.stream().filter(r -> r.key().startsWith(k)).count() >= 3,
                WAIT);
        assertThat(copied).extracting(ConsumerRecord::key).filteredOn(key -> key.startsWith(k))
                .containsExactly(k + "-0", k + "-1", k + "-2");
    }

    private JsonNode awaitFinished(String id) {
        await().atMost(WAIT).until(() -> !get("/api/v1/replays/" + id).body().get("status").asString()
                .equals("RUNNING"));
        return get("/api/v1/replays/" + id).body();
    }

    private static void assertError(Response r, String code) {
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body().get("error").asString()).isEqualTo(code);
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
