package io.impipeline.dlq.overview;

import java.time.Instant;
import java.util.Map;

import io.impipeline.dlq.overview.Throughput.Rate;
import io.impipeline.dlq.overview.Throughput.Sample;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ThroughputTest {

    @Test
    void ratesAreTheEndOffsetGrowthPerSecondBetweenTheLastTwoSamples() {
        Instant t = Instant.parse("2026-11-28T09:00:00Z");
        Sample before = new Sample(t, Map.of("im-upstream-topic", 1_000L, "im-task-topic", 50L, "gone", 9L));
        Sample after = new Sample(t.plusSeconds(5), Map.of("im-upstream-topic", 1_500L, "im-task-topic", 10L,
                "new-topic", 7L));
        assertThat(Throughput.rates(before, after)).containsExactly(
                new Rate("im-task-topic", 0.0), // recreated: offsets went down, no negative rate
                new Rate("im-upstream-topic", 100.0));
        assertThat(Throughput.rates(null, after)).as("one sample is no rate yet").isEmpty();
        assertThat(Throughput.rates(after, after)).isEmpty();
    }
}
