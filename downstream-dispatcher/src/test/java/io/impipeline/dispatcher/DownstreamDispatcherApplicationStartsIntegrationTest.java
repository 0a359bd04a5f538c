package io.impipeline.dispatcher;

import java.time.Duration;

import io.impipeline.platform.tracing.StreamTracing;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The app starts against a real broker and reports UP (once its streams are RUNNING: readiness is DOWN before);
 * every other endpoint needs the service token.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.kafka.bootstrap-servers=${spring.embedded.kafka.brokers}",
        "im.topics.replication-factor=1",
        "im.security.service-token=test-token",
        "im.streams.state-dir=target/kafka-streams/starts-${random.uuid}"})
@EmbeddedKafka(partitions = 1)
class DownstreamDispatcherApplicationStartsIntegrationTest {

    private static final Duration STARTUP = Duration.ofSeconds(60);

    @LocalServerPort
    int port;

    @Autowired
    ObjectProvider<StreamTracing> tracing;

    @Test
    void streamHopsAreTraced() {
        assertThat(tracing.getIfAvailable()).as("stream tracing").isNotNull();
    }

    @Test
    void startsAndReportsUpOnHealthAndReadinessOnceTheStreamsRun() throws InterruptedException {
        RestClient http = RestClient.create("http://localhost:" + port);
        assertThat(awaitStatus(http, "/actuator/health")).contains("\"status\":\"UP\"");
        assertThat(awaitStatus(http, "/actuator/health/readiness")).contains("\"status\":\"UP\"");
    }

    @Test
    void prometheusNeedsTheServiceToken() {
        RestClient http = RestClient.create("http://localhost:" + port);
        int without = http.get().uri("/actuator/prometheus").exchange((req, res) -> res.getStatusCode().value());
        assertThat(without).isEqualTo(401);
        String metrics = http.get().uri("/actuator/prometheus").header("X-Service-Token", "test-token")
                .retrieve().body(String.class);
        assertThat(metrics).contains("application=\"downstream-dispatcher\"");
    }

    /** Polls until the endpoint answers 200 (UP) or the start-up allowance is over; returns the last body. */
    static String awaitStatus(RestClient http, String path) throws InterruptedException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            var answer = http.get().uri(path).exchange((req, res) ->
                    new Object[] {res.getStatusCode().value(), new String(res.getBody().readAllBytes())});
            body = (String) answer[1];
            if ((int) answer[0] == 200) {
                return body;
            }
            Thread.sleep(250);
        }
        return body;
    }
}
