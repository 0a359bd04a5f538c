package io.impipeline.dlq;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code GET /api/v1/overview} against the embedded broker, PostgreSQL, this instance's own health, a stand-in
 * dispatcher ({@link ConsoleStub}) and an app that is not running.
 */
class OverviewIntegrationTest extends DlqIntegrationSupport {

    private JsonNode overview() {
        Response r = get("/api/v1/overview");
        assertThat(r.status()).isEqualTo(200);
        return r.body();
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode n : array) {
            if (value.equals(n.get(field).asString())) {
                return n;
            }
        }
        return null;
    }

    private void commit(String group, Map<TopicPartition, Long> offsets) {
        Map<TopicPartition, OffsetAndMetadata> m = new HashMap<>();
        offsets.forEach((tp, o) -> m.put(tp, new OffsetAndMetadata(o)));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.getBrokersAsString()))) {
            admin.alterConsumerGroupOffsets(group, m).all().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void overviewReportsLagPerPartition() {
        String topic = unique("im-lag-topic");
        createTopics(2, topic);
        for (int i = 0; i < 5; i++) {
            send(new ProducerRecord<>(topic, 0, "k", "v".getBytes(StandardCharsets.UTF_8)));
        }
        for (int i = 0; i < 3; i++) {
            send(new ProducerRecord<>(topic, 1, "k", "v".getBytes(StandardCharsets.UTF_8)));
        }
        String group = unique("im-test-group");
        String outsider = unique("other-group");
        commit(group, Map.of(new TopicPartition(topic, 0), 2L, new TopicPartition(topic, 1), 3L));
        commit(outsider, Map.of(new TopicPartition(topic, 0), 1L));

        await().atMost(WAIT).until(() -> find(overview().get("lag"), "group", group) != null);
        JsonNode lag = overview().get("lag");
        List<JsonNode> rows = new java.util.ArrayList<>();
        lag.forEach(r -> {
            if (group.equals(r.get("group").asString())) {
                rows.add(r);
            }
        });
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).get("topic").asString()).isEqualTo(topic);
        assertThat(rows.get(0).get("partition").asInt()).isZero();
        assertThat(rows.get(0).get("committed_offset").asLong()).isEqualTo(2);
        assertThat(rows.get(0).get("end_offset").asLong()).isEqualTo(5);
        assertThat(rows.get(0).get("lag").asLong()).isEqualTo(3);
        assertThat(rows.get(1).get("partition").asInt()).isEqualTo(1);
        assertThat(rows.get(1).get("lag").asLong()).isZero();
        assertThat(find(lag, "group", outsider)).as("not a pipeline group").isNull();
    }

    @Test
    void overviewReportsEachAppsHealthAndReadiness() {
        JsonNode apps = overview().get("apps");
        JsonNode self = find(apps, "name", "dlq-handler");
        assertThat(self.get("health").asString()).isEqualTo("UP");
        assertThat(self.get("readiness").asString()).isEqualTo("UP");
        assertThat(self.get("url").asString()).isEqualTo("http://localhost:" + port);
        JsonNode dispatcher = find(apps, "name", "downstream-dispatcher");
        assertThat(dispatcher.get("health").asString()).as("status of a 503 answer").isEqualTo("DOWN");
        assertThat(dispatcher.get("readiness").asString()).isEqualTo("OUT_OF_SERVICE");
        JsonNode router = find(apps, "name", "upstream-router");
        assertThat(router.get("health").asString()).isEqualTo("UNREACHABLE");
        assertThat(router.get("readiness").asString()).isEqualTo("UNREACHABLE");
        assertThat(router.get("detail").asString()).isNotBlank();
    }

    @Test
    void overviewListsTheDispatchersGateways() {
        JsonNode gateways = overview().get("gateways");
        assertThat(gateways).hasSize(2);
        JsonNode live = find(gateways, "gateway_id", "gw-live");
        assertThat(live.get("status").asString()).isEqualTo("live");
        assertThat(live.get("last_heartbeat").asString()).isEqualTo("2026-11-28T09:00:00Z");
        JsonNode odd = find(gateways, "gateway_id", "gw-odd");
        assertThat(odd.get("status").asString()).isEqualTo("unreadable");
        assertThat(odd.get("last_heartbeat").isNull()).isTrue();
    }

    @Test
    void overviewCountsDeadLettersByReasonPerBucket() {
        String reason = "TEST_" + Long.toHexString(System.nanoTime()).toUpperCase();
        Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        insertDeadLetter(reason, minute.minus(10, ChronoUnit.MINUTES).plusSeconds(5));
        insertDeadLetter(reason, minute.minus(10, ChronoUnit.MINUTES).plusSeconds(50));
        insertDeadLetter(reason, minute.minus(3, ChronoUnit.MINUTES).plusSeconds(1));
        insertDeadLetter(reason, minute.minus(2, ChronoUnit.HOURS));

        JsonNode rows = overview().get("dead_letters_by_reason");
        List<JsonNode> mine = new java.util.ArrayList<>();
        rows.forEach(r -> {
            if (reason.equals(r.get("reason").asString())) {
                mine.add(r);
            }
        });
        assertThat(mine).as("default: the last hour in 1-minute buckets").hasSize(2);
        assertThat(mine.get(0).get("bucket_start").asString())
                .isEqualTo(minute.minus(10, ChronoUnit.MINUTES).toString());
        assertThat(mine.get(0).get("count").asLong()).isEqualTo(2);
        assertThat(mine.get(1).get("count").asLong()).isEqualTo(1);

        JsonNode wide = get("/api/v1/overview?bucket=1h&since=3h").body().get("dead_letters_by_reason");
        long total = 0;
        for (JsonNode r : wide) {
            if (reason.equals(r.get("reason").asString())) {
                total += r.get("count").asLong();
            }
        }
        assertThat(total).isEqualTo(4);

        assertThat(get("/api/v1/overview?bucket=0s").status()).isEqualTo(400);
        assertThat(get("/api/v1/overview?bucket=1500ms").status()).isEqualTo(400);
        assertThat(get("/api/v1/overview?since=30d").status()).isEqualTo(400);
        assertThat(get("/api/v1/overview?since=7d&bucket=1s").status()).as("too many buckets").isEqualTo(400);
        assertThat(get("/api/v1/overview?bucket=soon").body().get("error").asString()).isEqualTo("INVALID_FIELD");
    }

    @Test
    void overviewReportsThroughputPerTopic() {
        String upstream = "im-upstream-topic";
        ensureTopic(upstream);
        await().atMost(WAIT).untilAsserted(() -> {
            for (int i = 0; i < 20; i++) {
                send(new ProducerRecord<>(upstream, "k" + i, "v".getBytes(StandardCharsets.UTF_8)));
            }
            JsonNode rate = find(overview().get("throughput"), "topic", upstream);
            assertThat(rate).isNotNull();
            assertThat(rate.get("records_per_second").asDouble()).isPositive();
        });
    }

    @Test
    void theConsolePathsAreOpenAndRedirectToItsPageWhileTheApiNeedsTheToken() throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .followRedirects(java.net.http.HttpClient.Redirect.NEVER).build();
        for (String path : List.of("/", "/console", "/console/")) {
            java.net.http.HttpResponse<String> r = client.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://localhost:" + port + path)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(302);
            assertThat(r.headers().firstValue("Location").orElseThrow()).as(path).endsWith("/console/index.html");
        }
        java.net.http.HttpResponse<String> file = client.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://localhost:" + port + "/console/no-such-file.css")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(file.statusCode()).as("open: not found rather than unauthorized").isEqualTo(404);
        for (String api : List.of("/api/v1/overview", "/api/v1/audit", "/api/v1/trace/m1")) {
            java.net.http.HttpResponse<String> r = client.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://localhost:" + port + api)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(api).isEqualTo(401);
        }
    }

    private long offset = 1_000_000;

    private void insertDeadLetter(String reason, Instant capturedAt) {
        jdbc.sql("""
                INSERT INTO dead_letters (dlq_topic, dlq_partition, dlq_offset, headers, reason, failed_at, captured_at)
                VALUES ('overview-test-dlq', 0, :offset, '[]'::jsonb, :reason, :at, :at)
                """).param("offset", offset++ + System.nanoTime() % 1_000_000_000L).param("reason", reason)
                .param("at", Timestamp.from(capturedAt)).update();
    }
}
