package io.impipeline.dlq;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.testkit.KafkaTestClients;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class DeadLetterApiIntegrationTest extends DlqIntegrationSupport {

    private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    @Test
    void replayedDeadLetterReachesItsOriginalTopicUnchangedWithReplayCount() {
        String original = unique("im-upstream-topic");
        String dlq = createWithDeadLetterTopic(original);
        byte[] value = "{\"message_id\":\"msg_1\",\"content\":\"hi\"}".getBytes(StandardCharsets.UTF_8);
        Map<String, String> originalHeaders = new LinkedHashMap<>();
        originalHeaders.put(ImHeaders.TRACEPARENT, TRACEPARENT);
        originalHeaders.put("gateway", "gateway_001");
        sendDeadLetter(dlq, original, 3, "user_1", value, ReasonCode.UNKNOWN_GROUP, originalHeaders);
        awaitStored(dlq, 1);
        long id = idsOf(original).get(0);

        Response first = post("/api/v1/dead-letters/" + id + "/replay", null);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body().get("status").asString()).isEqualTo("REPLAYED");
        assertThat(first.body().get("replay_count").asInt()).isEqualTo(1);
        assertThat(first.body().get("last_replayed_at").isNull()).isFalse();

        Response second = post("/api/v1/dead-letters/" + id + "/replay", null);
        assertThat(second.body().get("replay_count").asInt()).isEqualTo(2);

        List<ConsumerRecord<String, byte[]>> replayed = KafkaTestClients.readAtLeast(broker.getBrokersAsString(),
                original, 2, WAIT);
        assertThat(replayed).hasSize(2);
        for (int i = 0; i < 2; i++) {
            ConsumerRecord<String, byte[]> r = replayed.get(i);
            assertThat(r.key()).isEqualTo("user_1");
            assertThat(r.value()).isEqualTo(value);
            assertThat(headers(r)).containsExactly(
                    Map.entry(ImHeaders.TRACEPARENT, TRACEPARENT), Map.entry("gateway", "gateway_001"),
                    Map.entry(ImHeaders.REPLAY_COUNT, String.valueOf(i + 1)));
        }
    }

    @Test
    void replayByFilterSendsOnlyMatchingNewDeadLettersAndMarksThemReplayed() {
        String original = unique("im-routed-topic");
        String dlq = createWithDeadLetterTopic(original);
        for (int i = 0; i < 5; i++) {
            sendDeadLetter(dlq, original, i, "u" + i, ("v" + i).getBytes(StandardCharsets.UTF_8),
                    i < 3 ? ReasonCode.PROCESSING_ERROR : ReasonCode.MALFORMED_JSON, Map.of());
        }
        awaitStored(dlq, 5);

        Response r = post("/api/v1/dead-letters/replay",
                Map.of("original_topic", original, "reason", "PROCESSING_ERROR"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().get("replayed").asInt()).isEqualTo(3);
        assertThat(r.body().get("failed").asInt()).isZero();

        Response again = post("/api/v1/dead-letters/replay",
                Map.of("original_topic", original, "reason", "PROCESSING_ERROR"));
        assertThat(again.body().get("replayed").asInt()).as("NEW only by default").isZero();

        List<ConsumerRecord<String, byte[]>> out = KafkaTestClients.readUntil(broker.getBrokersAsString(),
                List.of(original), rs -> rs.size() > 3, Duration.ofSeconds(3));
        assertThat(out).extracting(ConsumerRecord::key).containsExactly("u0", "u1", "u2");
        assertThat(statuses(original)).containsExactly("NEW", "NEW", "REPLAYED", "REPLAYED", "REPLAYED");
    }

    @Test
    void listFiltersAndPagesWithTheCursor() {
        String original = unique("im-task-topic");
        String dlq = createWithDeadLetterTopic(original);
        for (int i = 0; i < 7; i++) {
            sendDeadLetter(dlq, original, i, "k" + i, "v".getBytes(StandardCharsets.UTF_8),
                    i % 2 == 0 ? ReasonCode.RETRIES_EXHAUSTED : ReasonCode.PUSH_REJECTED, Map.of());
        }
        awaitStored(dlq, 7);

        List<String> keys = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = get("/api/v1/dead-letters?original_topic=" + original + "&reason=RETRIES_EXHAUSTED&limit=3"
                    + (cursor == null ? "" : "&cursor=" + cursor)).body();
            page.get("items").forEach(item -> keys.add(item.get("key").asString()));
            cursor = page.get("next_cursor") == null || page.get("next_cursor").isNull() ? null
                    : page.get("next_cursor").asString();
            pages++;
        } while (cursor != null && pages < 10);
        assertThat(keys).containsExactly("k6", "k4", "k2", "k0");
        JsonNode item = get("/api/v1/dead-letters?original_topic=" + original + "&limit=1").body().get("items").get(0);
        assertThat(item.get("value_size").asInt()).isEqualTo(1);
        assertThat(item.has("value")).as("values only in the single view").isFalse();

        assertThat(get("/api/v1/dead-letters?original_topic=" + original + "&stage=task-worker").body()
                .get("items")).isEmpty();
        assertThat(get("/api/v1/dead-letters?original_topic=" + original + "&stage=upstream-router&status=new")
                .body().get("items")).hasSize(7);
        assertThat(get("/api/v1/dead-letters?original_topic=" + original + "&from=2000-01-01T00:00:00Z&to="
                + (System.currentTimeMillis() + 60_000)).body().get("items")).hasSize(7);
        assertThat(get("/api/v1/dead-letters?original_topic=" + original + "&to=2000-01-01T00:00:00Z").body()
                .get("items")).isEmpty();
    }

    @Test
    void discardMarksOneOrAllMatchesAndDiscardedOnesAreNotReplayed() {
        String original = unique("im-upstream-topic");
        String dlq = createWithDeadLetterTopic(original);
        for (int i = 0; i < 3; i++) {
            sendDeadLetter(dlq, original, i, "k" + i, "v".getBytes(StandardCharsets.UTF_8), ReasonCode.TOO_LARGE,
                    Map.of());
        }
        awaitStored(dlq, 3);
        long first = idsOf(original).get(0);

        Response one = post("/api/v1/dead-letters/" + first + "/discard", null);
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.body().get("status").asString()).isEqualTo("DISCARDED");
        Response replay = post("/api/v1/dead-letters/" + first + "/replay", null);
        assertThat(replay.status()).isEqualTo(409);
        assertThat(replay.body().get("error").asString()).isEqualTo("DEAD_LETTER_DISCARDED");

        Response all = post("/api/v1/dead-letters/discard", Map.of("original_topic", original));
        assertThat(all.body().get("discarded").asInt()).isEqualTo(2);
        assertThat(statuses(original)).containsOnly("DISCARDED");

        JsonNode summary = get("/api/v1/dead-letters/summary?original_topic=" + original).body().get("items");
        assertThat(summary).hasSize(1);
        assertThat(summary.get(0).get("reason").asString()).isEqualTo("TOO_LARGE");
        assertThat(summary.get(0).get("discarded").asLong()).isEqualTo(3);
        assertThat(summary.get(0).get("new_count").asLong()).isZero();
        assertThat(summary.get(0).get("total").asLong()).isEqualTo(3);
    }

    @Test
    void badRequestsGetA4xxWithAReason() {
        assertError(get("/api/v1/dead-letters?status=LOST"), 400, "INVALID_FIELD", "status");
        assertError(get("/api/v1/dead-letters?cursor=not-a-cursor"), 400, "INVALID_FIELD", "cursor");
        assertError(get("/api/v1/dead-letters?from=yesterday"), 400, "INVALID_FIELD", "from");
        assertError(get("/api/v1/dead-letters?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z"), 400,
                "INVALID_FIELD", "from must be before to");
        assertError(get("/api/v1/dead-letters?limit=0"), 400, "INVALID_FIELD", "limit");
        assertError(get("/api/v1/dead-letters/abc"), 400, "INVALID_FIELD", "id must be a whole number");
        assertError(get("/api/v1/dead-letters/999999999"), 404, "NOT_FOUND");
        assertError(post("/api/v1/dead-letters/999999999/replay", null), 404, "NOT_FOUND");
        assertError(post("/api/v1/dead-letters/discard", Map.of()), 400, "EMPTY_FILTER");
        assertError(post("/api/v1/dead-letters/replay", Map.of("status", "DISCARDED")), 400, "INVALID_FIELD",
                "discarded");
        assertError(post("/api/v1/dead-letters/replay", "{not json"), 400, "MALFORMED_JSON");
        assertError(post("/api/v1/dead-letters/replay", Map.of("orginal_topic", "x")), 400, "UNKNOWN_FIELD");
        assertError(post("/api/v1/dead-letters/discard", Map.of("reason", "X", "limit", "many")), 400,
                "INVALID_FIELD");

        int unauthorized = RestClient.create("http://localhost:" + port).get().uri("/api/v1/dead-letters")
                .exchange((req, res) -> res.getStatusCode().value());
        assertThat(unauthorized).isEqualTo(401);
    }

    @Test
    void deadLetterWithoutOriginalTopicIsNotReplayedToAGuess() {
        String dlq = unique("im-orphan-topic") + "-dlq";
        createTopics(1, dlq);
        send(new ProducerRecord<>(dlq, "k", "v".getBytes(StandardCharsets.UTF_8)));
        awaitStored(dlq, 1);
        long id = jdbc.sql("SELECT id FROM dead_letters WHERE dlq_topic = :t").param("t", dlq).query(Long.class)
                .single();
        assertError(post("/api/v1/dead-letters/" + id + "/replay", null), 409, "NO_ORIGINAL_TOPIC");
    }

    @Test
    void listShowsTheMessageIdsAndFiltersByThemByKeyAndByExceptionText() {
        String original = unique("im-upstream-topic");
        String dlq = createWithDeadLetterTopic(original);
        String m = unique("msg");
        sendWith(dlq, original, 0, "alice", message(m + "-0", "alice", "c-1"), "Unknown group G_1");
        sendWith(dlq, original, 1, "alice", message(m + "-1", "alice", "c-1"), "content 100% over the limit");
        sendWith(dlq, original, 2, "bob", message(m + "-2", "bob", "c-2"), "content 1000 over the limit");
        sendWith(dlq, original, 3, "alice", message(m + "-3", "alice", "c-2"), "deliver_at too far");
        sendWith(dlq, original, 4, "carol", "not json", "Unexpected character");
        awaitStored(dlq, 5);
        // The client encodes the query (a space, a %): parameters are written here as they are meant.
        String base = "/api/v1/dead-letters?original_topic=" + original;

        JsonNode one = get(base + "&message_id=" + m + "-0").body().get("items");
        assertThat(one).hasSize(1);
        assertThat(one.get(0).get("message_id").asString()).isEqualTo(m + "-0");
        assertThat(one.get(0).get("from_user_id").asString()).isEqualTo("alice");
        assertThat(one.get(0).get("conversation_id").asString()).isEqualTo("c-1");
        JsonNode detail = get("/api/v1/dead-letters/" + one.get(0).get("id").asLong()).body();
        assertThat(detail.get("message_id").asString()).isEqualTo(m + "-0");
        assertThat(detail.get("from_user_id").asString()).isEqualTo("alice");

        assertThat(keysOf(base + "&from_user_id=alice")).containsExactly("alice", "alice", "alice");
        assertThat(offsetsOf(base + "&from_user_id=alice&conversation_id=c-2")).containsExactly(3L);
        assertThat(offsetsOf(base + "&key=bob")).containsExactly(2L);
        assertThat(offsetsOf(base + "&key=carol")).as("not JSON: listed, without ids").containsExactly(4L);
        assertThat(get(base + "&key=carol").body().get("items").get(0).get("message_id").isNull()).isTrue();
        assertThat(offsetsOf(base + "&exception_contains=unknown GROUP")).as("case-insensitive")
                .containsExactly(0L);
        assertThat(offsetsOf(base + "&exception_contains=100%")).as("% is a character, not a wildcard")
                .containsExactly(1L);
        assertThat(offsetsOf(base + "&exception_contains=over the&from_user_id=bob")).containsExactly(2L);
        assertThat(offsetsOf(base + "&from_user_id=alice&reason=INVALID_FIELD&status=NEW&from=2000-01-01T00:00:00Z"))
                .containsExactly(3L, 1L, 0L);
        assertThat(offsetsOf(base + "&message_id=nope")).isEmpty();

        // Cursor paging over a filtered list.
        JsonNode first = get(base + "&from_user_id=alice&limit=2").body();
        assertThat(first.get("items")).hasSize(2);
        JsonNode second = get(base + "&from_user_id=alice&limit=2&cursor=" + first.get("next_cursor").asString())
                .body();
        assertThat(second.get("items")).hasSize(1);
        assertThat(second.get("items").get(0).get("dlq_offset").asLong()).isZero();

        // The same filters select for summary and discard.
        JsonNode summary = get("/api/v1/dead-letters/summary?original_topic=" + original + "&from_user_id=alice")
                .body().get("items");
        assertThat(summary.get(0).get("total").asLong()).isEqualTo(3);
        Response discarded = post("/api/v1/dead-letters/discard", Map.of("message_id", m + "-2"));
        assertThat(discarded.body().get("discarded").asInt()).isEqualTo(1);
        assertError(post("/api/v1/dead-letters/discard", Map.of("key", "a\0b")), 400, "INVALID_FIELD", "key");
        assertError(post("/api/v1/dead-letters/discard", Map.of("message_id", " ")), 400, "EMPTY_FILTER");
    }

    @Test
    void deadLettersStoredBeforeTheIdColumnsExistedStillList() {
        String original = unique("im-routed-topic");
        String dlq = original + "-dlq";
        jdbc.sql("""
                INSERT INTO dead_letters (dlq_topic, dlq_partition, dlq_offset, record_key, key_text, value, value_text,
                    headers, reason, original_topic, failed_at)
                VALUES (:t, 0, 0, 'k'::bytea, 'k', '{"message_id":"m"}'::bytea, '{"message_id":"m"}', '[]',
                    'PROCESSING_ERROR', :o, now())""").param("t", dlq).param("o", original).update();
        JsonNode items = get("/api/v1/dead-letters?original_topic=" + original).body().get("items");
        assertThat(items).hasSize(1);
        assertThat(items.get(0).get("message_id").isNull()).as("no backfill").isTrue();
        assertThat(get("/api/v1/dead-letters/" + items.get(0).get("id").asLong()).status()).isEqualTo(200);
    }

    @Test
    void replayIsRefusedIntoAChangelogOrAGatewayTopicAndAllowedIntoTheUpstreamTopic() {
        String changelog = "im-logic-group-im-router-sequence-store-changelog";
        String gateway = "im-downstream-topic-gateway_001";
        String upstream = "im-upstream-topic";
        ensureTopic(changelog);
        ensureTopic(gateway);
        ensureTopic(upstream);
        String dlq = unique("im-anywhere-topic") + "-dlq";
        createTopics(1, dlq);
        String m = unique("replay");
        sendDeadLetter(dlq, changelog, 0, m + "-changelog", message(m, "u", "c").getBytes(StandardCharsets.UTF_8),
                ReasonCode.PROCESSING_ERROR, Map.of());
        sendDeadLetter(dlq, gateway, 1, m + "-gateway", message(m, "u", "c").getBytes(StandardCharsets.UTF_8),
                ReasonCode.PROCESSING_ERROR, Map.of());
        sendDeadLetter(dlq, upstream, 2, m + "-one", message(m, "u", "c").getBytes(StandardCharsets.UTF_8),
                ReasonCode.PROCESSING_ERROR, Map.of());
        sendDeadLetter(dlq, upstream, 3, m + "-bulk", message(m, "u", "c").getBytes(StandardCharsets.UTF_8),
                ReasonCode.PROCESSING_ERROR, Map.of());
        awaitStored(dlq, 4);
        List<Long> ids = jdbc.sql("SELECT id FROM dead_letters WHERE dlq_topic = :t ORDER BY dlq_offset")
                .param("t", dlq).query(Long.class).list();

        assertError(post("/api/v1/dead-letters/" + ids.get(0) + "/replay", null), 400, "TOPIC_NOT_ALLOWED",
                changelog);
        assertError(post("/api/v1/dead-letters/" + ids.get(1) + "/replay", null), 400, "TOPIC_NOT_ALLOWED",
                gateway);
        Response ok = post("/api/v1/dead-letters/" + ids.get(2) + "/replay", null);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body().get("status").asString()).isEqualTo("REPLAYED");

        assertError(post("/api/v1/dead-letters/replay", Map.of("original_topic", changelog)), 400,
                "TOPIC_NOT_ALLOWED", changelog);
        Response bulk = post("/api/v1/dead-letters/replay", Map.of("message_id", m));
        assertThat(bulk.status()).isEqualTo(200);
        assertThat(bulk.body().get("replayed").asInt()).isEqualTo(1);
        assertThat(bulk.body().get("refused").asInt()).isEqualTo(2);
        assertThat(bulk.body().get("failed").asInt()).isZero();

        assertThat(jdbc.sql("SELECT status FROM dead_letters WHERE dlq_topic = :t ORDER BY dlq_offset")
                .param("t", dlq).query(String.class).list()).containsExactly("NEW", "NEW", "REPLAYED", "REPLAYED");
        List<ConsumerRecord<String, byte[]>> arrived = KafkaTestClients.readUntil(broker.getBrokersAsString(),
                List.of(upstream), rs -> rs.stream().filter(r -> r.key().startsWith(m)).count() >= 2, WAIT);
        assertThat(arrived).extracting(ConsumerRecord::key).filteredOn(k -> k.startsWith(m))
                .containsExactlyInAnyOrder(m + "-one", m + "-bulk");
        assertThat(KafkaTestClients.readUntil(broker.getBrokersAsString(), List.of(changelog, gateway),
                rs -> false, Duration.ofSeconds(2))).isEmpty();
    }

    private void sendWith(String dlq, String original, long offset, String key, String value, String exception) {
        RecordHeaders headers = new RecordHeaders();
        DeadLetterHeaders.stamp(headers, new DeadLetterHeaders.Origin(original, 0, offset, 1_700_000_000_000L),
                "upstream-router", ReasonCode.INVALID_FIELD, null, exception);
        send(new ProducerRecord<>(dlq, null, key, value.getBytes(StandardCharsets.UTF_8), headers));
    }

    private static String message(String messageId, String from, String conversation) {
        return "{\"message_id\":\"" + messageId + "\",\"from_user_id\":\"" + from + "\",\"conversation_id\":\""
                + conversation + "\",\"content\":\"hi\"}";
    }

    private List<String> keysOf(String path) {
        List<String> out = new ArrayList<>();
        get(path).body().get("items").forEach(i -> out.add(i.get("key").asString()));
        return out;
    }

    private List<Long> offsetsOf(String path) {
        Response r = get(path);
        assertThat(r.status()).as(path).isEqualTo(200);
        List<Long> out = new ArrayList<>();
        r.body().get("items").forEach(i -> out.add(i.get("dlq_offset").asLong()));
        return out;
    }

    private static void assertError(Response r, int status, String code) {
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.body().get("error").asString()).isEqualTo(code);
        assertThat(r.body().get("detail").asString()).isNotBlank();
    }

    /** INVALID_FIELD is shared by every bad value: the detail must say which field. */
    private static void assertError(Response r, int status, String code, String detail) {
        assertError(r, status, code);
        assertThat(r.body().get("detail").asString()).contains(detail);
    }

    private List<Long> idsOf(String originalTopic) {
        return jdbc.sql("SELECT id FROM dead_letters WHERE original_topic = :t ORDER BY id").param("t", originalTopic)
                .query(Long.class).list();
    }

    private List<String> statuses(String originalTopic) {
        return jdbc.sql("SELECT status FROM dead_letters WHERE original_topic = :t ORDER BY dlq_offset DESC")
                .param("t", originalTopic).query(String.class).list();
    }

    private static List<Map.Entry<String, String>> headers(ConsumerRecord<String, byte[]> r) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (Header h : r.headers()) {
            out.add(Map.entry(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
        }
        return out;
    }

}
