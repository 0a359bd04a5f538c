package io.impipeline.router;

import java.time.Duration;

import io.impipeline.model.codec.WireJson;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The app starts against a real broker and reports UP and ready; every other endpoint needs the service token. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.kafka.bootstrap-servers=${spring.embedded.kafka.brokers}",
        "im.topics.replication-factor=1",
        "im.streams.state-dir=${java.io.tmpdir}/router-starts-${random.uuid}",
        "im.security.service-token=test-token"})
@EmbeddedKafka(partitions = 1)
class UpstreamRouterApplicationStartsIntegrationTest {

    @LocalServerPort
    int port;

    @Test
    void startsAndReportsUpAndReadyOnceTheStreamsRun() {
        RestClient http = RestClient.create("http://localhost:" + port);
        // Readiness is OUT_OF_SERVICE (503) until Kafka Streams is RUNNING, then UP.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            String readiness = http.get().uri("/actuator/health/readiness").header("X-Service-Token", "test-token")
                    .exchange((req, res) -> new String(res.getBody().readAllBytes()));
            JsonNode ready = WireJson.mapper().readTree(readiness);
            assertThat(ready.path("status").asString()).isEqualTo("UP");
            assertThat(ready.path("components").path("streams").path("status").asString()).isEqualTo("UP");
            String health = http.get().uri("/actuator/health").header("X-Service-Token", "test-token")
                    .exchange((req, res) -> new String(res.getBody().readAllBytes()));
            assertThat(health).contains("\"streams\":{\"details\":{\"im-logic-group\":\"RUNNING\"}");
        });
        JsonNode live = WireJson.mapper().readTree(http.get().uri("/actuator/health/liveness")
                .header("X-Service-Token", "test-token").retrieve().body(String.class));
        assertThat(live.path("components").path("streamsLiveness").path("status").asString()).isEqualTo("UP");
    }

    @Test
    void healthAnswersProbesWithoutTheTokenButShowsItsDetailsOnlyWithIt() {
        RestClient http = RestClient.create("http://localhost:" + port);
        String anonymous = http.get().uri("/actuator/health")
                .exchange((req, res) -> new String(res.getBody().readAllBytes()));
        assertThat(WireJson.mapper().readTree(anonymous).path("status").asString()).isNotBlank();
        assertThat(anonymous).doesNotContain("components").doesNotContain("details");
        String withToken = http.get().uri("/actuator/health").header("X-Service-Token", "test-token")
                .exchange((req, res) -> new String(res.getBody().readAllBytes()));
        assertThat(withToken).contains("components");
        String wrongToken = http.get().uri("/actuator/health").header("X-Service-Token", "nope")
                .exchange((req, res) -> new String(res.getBody().readAllBytes()));
        assertThat(wrongToken).doesNotContain("components");
    }

    @Test
    void prometheusNeedsTheServiceToken() {
        RestClient http = RestClient.create("http://localhost:" + port);
        int without = http.get().uri("/actuator/prometheus").exchange((req, res) -> res.getStatusCode().value());
        assertThat(without).isEqualTo(401);
        String metrics = http.get().uri("/actuator/prometheus").header("X-Service-Token", "test-token")
                .retrieve().body(String.class);
        assertThat(metrics).contains("application=\"upstream-router\"");
    }
}
