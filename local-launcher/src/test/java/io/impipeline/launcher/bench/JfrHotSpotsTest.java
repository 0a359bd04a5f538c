package io.impipeline.launcher.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JfrHotSpotsTest {

    @Test
    void ourTraceClassesAreAnAreaOfTheirOwnButStreamTracingIsNot() {
        assertThat(JfrHotSpots.areaOf("io.impipeline.worker.batch.MessageTrace")).isEqualTo(JfrHotSpots.MESSAGE_TRACE);
        assertThat(JfrHotSpots.areaOf("io.impipeline.dlq.store.TraceRepository"))
                .isEqualTo(JfrHotSpots.MESSAGE_TRACE);
        assertThat(JfrHotSpots.areaOf("io.impipeline.platform.tracing.StreamTracing")).isEqualTo("im-pipeline");
        assertThat(JfrHotSpots.areaOf("io.impipeline.router.topology.RouterTopology")).isEqualTo("im-pipeline");
        assertThat(JfrHotSpots.areaOf("tools.jackson.databind.ObjectMapper")).isEqualTo("JSON (Jackson)");
    }
}
