package io.impipeline.worker;

import io.impipeline.testkit.TestPostgres;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/** The app starts against a real broker and reports UP; every other endpoint needs the service token. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.kafka.bootstrap-servers=${spring.embedded.kafka.brokers}",
        "im.topics.replication-factor=1",
        "im.security.service-token=test-token"})
@EmbeddedKafka(partitions = 1, brokerProperties = {
        "transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1"})
// Closed after the class: its listeners would otherwise keep running beside the next test classes.
@DirtiesContext
class TaskWorkerApplicationStartsIntegrationTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestPostgres.register(registry, "worker");
    }

    @LocalServerPort
    int port;

    @Test
    void startsAndReportsUpOnHealth() {
        RestClient http = RestClient.create("http://localhost:" + port);
        String health = http.get().uri("/actuator/health").retrieve().body(String.class);
        assertThat(health).contains("\"status\":\"UP\"");
    }

    @Test
    void prometheusNeedsTheServiceToken() {
        RestClient http = RestClient.create("http://localhost:" + port);
        int without = http.get().uri("/actuator/prometheus").exchange((req, res) -> res.getStatusCode().value());
        assertThat(without).isEqualTo(401);
        String metrics = http.get().uri("/actuator/prometheus").header("X-Service-Token", "test-token")
                .retrieve().body(String.class);
        assertThat(metrics).contains("application=\"task-worker\"");
    }
}
