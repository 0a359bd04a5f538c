package io.impipeline.dlq.settings;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConsolePropertiesTest {

    private static ConsoleProperties with(Map<String, String> apps, String gatewaysApp, List<String> groups) {
        return new ConsoleProperties(apps, Duration.ofSeconds(1), Duration.ofSeconds(3), gatewaysApp, groups,
                Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofMinutes(1), Duration.ofHours(1),
                Duration.ofDays(7), 1440);
    }

    @Test
    void withoutAppsThePipelineOfRunLocalIsAsked() {
        ConsoleProperties p = with(null, "downstream-dispatcher", List.of("im-.*"));
        assertThat(p.apps()).containsExactly(Map.entry("upstream-router", "http://localhost:8081"),
                Map.entry("downstream-dispatcher", "http://localhost:8082"),
                Map.entry("task-worker", "http://localhost:8083"), Map.entry("dlq-handler", "self"));
    }

    @Test
    void badSettingsStopTheStartWithAMessage() {
        assertThatThrownBy(() -> with(Map.of("x", "ftp://host"), "", List.of()))
                .hasMessageContaining("im.dlq.console.apps.x");
        assertThatThrownBy(() -> with(Map.of("x", "http://h:1"), "downstream-dispatcher", List.of()))
                .hasMessageContaining("gateways-app");
        assertThatThrownBy(() -> with(null, "", List.of("im-(")))
                .hasMessageContaining("lag-groups");
    }
}
