package io.impipeline.dlq;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class HealthIntegrationTest extends DlqIntegrationSupport {

    @Test
    void healthAndReadinessIncludeDatabaseAndBroker() {
        JsonNode health = get("/actuator/health").body();
        assertThat(health.get("components").get("db").get("status").asString()).isEqualTo("UP");
        assertThat(health.get("components").get("kafka").get("status").asString()).isEqualTo("UP");
        assertThat(health.get("components").get("kafka").get("details").get("nodes").asInt()).isEqualTo(1);
        assertThat(health.get("components").get("kafka").get("details").has("cluster_id")).isTrue();

        JsonNode readiness = get("/actuator/health/readiness").body();
        assertThat(readiness.get("status").asString()).isEqualTo("UP");
        assertThat(readiness.get("components").has("db")).isTrue();
        assertThat(readiness.get("components").has("kafka")).isTrue();
    }
}
