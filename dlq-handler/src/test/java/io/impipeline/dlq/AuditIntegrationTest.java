package io.impipeline.dlq;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.impipeline.model.codec.ReasonCode;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The audit log: every operator change, with its operator, in the transaction of the change. */
class AuditIntegrationTest extends DlqIntegrationSupport {

    private List<Long> storedIds(String originalTopic) {
        return jdbc.sql("SELECT id FROM dead_letters WHERE original_topic = :t ORDER BY id")
                .param("t", originalTopic).query(Long.class).list();
    }

    private String letters(int n) {
        String original = unique("im-upstream-topic");
        String dlq = createWithDeadLetterTopic(original);
        for (int i = 0; i < n; i++) {
            sendDeadLetter(dlq, original, i, "k" + i, "v".getBytes(StandardCharsets.UTF_8), ReasonCode.TOO_LARGE,
                    Map.of());
        }
        awaitStored(dlq, n);
        return original;
    }

    /** The newest audit entries with this target (entries of other tests interleave). */
    private List<JsonNode> auditOf(String target) {
        List<JsonNode> out = new ArrayList<>();
        get("/api/v1/audit?limit=500").body().get("items").forEach(i -> {
            if (target.equals(i.get("target").asString())) {
                out.add(i);
            }
        });
        return out;
    }

    @Test
    void replayIsAuditedWithItsOperator() {
        String original = letters(1);
        long id = storedIds(original).get(0);

        assertThat(postAs("  alice  ", "/api/v1/dead-letters/" + id + "/replay", null).status()).isEqualTo(200);

        List<JsonNode> entries = auditOf(String.valueOf(id));
        assertThat(entries).hasSize(1);
        JsonNode e = entries.get(0);
        assertThat(e.get("actor").asString()).as("trimmed").isEqualTo("alice");
        assertThat(e.get("action").asString()).isEqualTo("replay");
        assertThat(e.get("count").asLong()).isEqualTo(1);
        assertThat(e.get("detail").get("original_topic").asString()).isEqualTo(original);
        assertThat(e.get("id").asLong()).isPositive();
        assertThat(e.get("at").asString()).endsWith("Z");
    }

    @Test
    void withoutTheHeaderTheActorIsApi() {
        String original = letters(1);
        long id = storedIds(original).get(0);
        assertThat(post("/api/v1/dead-letters/" + id + "/discard", null).status()).isEqualTo(200);
        JsonNode e = auditOf(String.valueOf(id)).get(0);
        assertThat(e.get("actor").asString()).isEqualTo("api");
        assertThat(e.get("action").asString()).isEqualTo("discard");
        assertThat(e.get("count").asLong()).isEqualTo(1);
    }

    @Test
    void aBadOperatorIsRefusedAndNothingChanges() {
        String original = letters(1);
        long id = storedIds(original).get(0);
        long before = auditRows();

        Response tooLong = postAs("x".repeat(65), "/api/v1/dead-letters/" + id + "/replay", null);
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.body().get("error").asString()).isEqualTo("INVALID_FIELD");
        assertThat(tooLong.body().get("detail").asString()).contains("X-Operator");
        Response blank = postAs("   ", "/api/v1/dead-letters/discard", Map.of("original_topic", original));
        assertThat(blank.status()).isEqualTo(400);

        assertThat(postAs("x".repeat(64), "/api/v1/dead-letters/" + id + "/discard", null).status())
                .as("64 characters are fine").isEqualTo(200);
        assertThat(auditRows()).isEqualTo(before + 1);
    }

    @Test
    void aRefusedChangeIsNotAudited() {
        String original = letters(1);
        long id = storedIds(original).get(0);
        assertThat(post("/api/v1/dead-letters/" + id + "/discard", null).status()).isEqualTo(200);
        Response replay = postAs("carol", "/api/v1/dead-letters/" + id + "/replay", null);
        assertThat(replay.status()).isEqualTo(409);
        assertThat(auditOf(String.valueOf(id))).extracting(e -> e.get("action").asString())
                .containsExactly("discard");
    }

    @Test
    void bulkChangesAreAuditedWithTheFilterAndTheCount() {
        String original = letters(3);
        long first = storedIds(original).get(0);
        assertThat(post("/api/v1/dead-letters/" + first + "/discard", null).status()).isEqualTo(200);

        Response replayed = postAs("dave", "/api/v1/dead-letters/replay", Map.of("original_topic", original,
                "reason", "TOO_LARGE"));
        assertThat(replayed.body().get("replayed").asInt()).isEqualTo(2);
        Response discarded = postAs("erin", "/api/v1/dead-letters/discard", Map.of("original_topic", original));
        assertThat(discarded.body().get("discarded").asInt()).isEqualTo(2);

        String replayTarget = "original_topic=" + original + " reason=TOO_LARGE status=NEW";
        JsonNode bulkReplay = auditOf(replayTarget).get(0);
        assertThat(bulkReplay.get("action").asString()).isEqualTo("bulk_replay");
        assertThat(bulkReplay.get("actor").asString()).isEqualTo("dave");
        assertThat(bulkReplay.get("count").asLong()).isEqualTo(2);
        assertThat(bulkReplay.get("detail").get("filter").get("reason").asString()).isEqualTo("TOO_LARGE");
        assertThat(bulkReplay.get("detail").get("failed").asInt()).isZero();

        JsonNode bulkDiscard = auditOf("original_topic=" + original).get(0);
        assertThat(bulkDiscard.get("action").asString()).isEqualTo("bulk_discard");
        assertThat(bulkDiscard.get("actor").asString()).isEqualTo("erin");
        assertThat(bulkDiscard.get("count").asLong()).isEqualTo(2);
    }

    @Test
    void topicReplayStartAndCancelAreAudited() {
        String source = unique("im-routed-topic-dlq");
        String target = unique("im-routed-topic");
        createTopics(1, source, target);
        for (int i = 0; i < 50; i++) {
            send(new org.apache.kafka.clients.producer.ProducerRecord<>(source, "k" + i,
                    "v".getBytes(StandardCharsets.UTF_8)));
        }
        Response started = postAs("frank", "/api/v1/replays", Map.of("source_topic", source, "target_topic", target,
                "from_offset", 0, "to_offset", 50, "rate_per_second", 1));
        assertThat(started.status()).isEqualTo(202);
        String job = started.body().get("id").asString();
        Response cancelled = postAs("grace", "/api/v1/replays/" + job + "/cancel", null);
        assertThat(cancelled.status()).isEqualTo(200);

        List<JsonNode> entries = auditOf(job);
        assertThat(entries).extracting(e -> e.get("action").asString())
                .containsExactly("topic_replay_cancel", "topic_replay_start");
        assertThat(entries.get(1).get("actor").asString()).isEqualTo("frank");
        assertThat(entries.get(1).get("count").asLong()).as("planned").isEqualTo(50);
        assertThat(entries.get(1).get("detail").get("source_topic").asString()).isEqualTo(source);
        assertThat(entries.get(0).get("actor").asString()).isEqualTo("grace");
        await().atMost(WAIT).until(() -> !"RUNNING".equals(get("/api/v1/replays/" + job).body().get("status")
                .asString()));
    }

    @Test
    void theAuditLogIsListedNewestFirstInPages() {
        String original = letters(3);
        for (long id : storedIds(original)) {
            assertThat(postAs("pager", "/api/v1/dead-letters/" + id + "/discard", null).status()).isEqualTo(200);
        }
        JsonNode page = get("/api/v1/audit?limit=2").body();
        assertThat(page.get("items")).hasSize(2);
        long newest = page.get("items").get(0).get("id").asLong();
        long second = page.get("items").get(1).get("id").asLong();
        assertThat(newest).isGreaterThan(second);
        long next = page.get("next_before_id").asLong();
        assertThat(next).isEqualTo(second);
        JsonNode more = get("/api/v1/audit?limit=2&before_id=" + next).body();
        assertThat(more.get("items").get(0).get("id").asLong()).isLessThan(second);

        assertThat(get("/api/v1/audit?limit=0").status()).isEqualTo(400);
        assertThat(get("/api/v1/audit?before_id=x").status()).isEqualTo(400);
    }

    private long auditRows() {
        return jdbc.sql("SELECT count(*) FROM audit_log").query(Long.class).single();
    }
}
