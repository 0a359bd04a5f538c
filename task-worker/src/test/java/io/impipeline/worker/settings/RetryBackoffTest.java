package io.impipeline.worker.settings;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetryBackoffTest {

    private final WorkerProperties.Retry retry =
            new WorkerProperties.Retry(3, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(3), "-retry");

    @Test
    void backoffGrowsExponentiallyFromTheInitialInterval() {
        assertThat(retry.backoffAfter(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(retry.backoffAfter(2)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void backoffIsCappedAtTheMaximumInterval() {
        assertThat(retry.backoffAfter(3)).isEqualTo(Duration.ofSeconds(3));
        assertThat(retry.backoffAfter(10)).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void aMaximumIntervalTheRetryConsumerCouldNotWaitOutIsRefused() {
        assertThatThrownBy(() -> new WorkerProperties.Retry(3, Duration.ofSeconds(1), 2.0, Duration.ofMinutes(5),
                "-retry")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max-interval");
    }

    @Test
    void fanoutPageSizeFallsBackToTheDefaultAndIsCapped() {
        WorkerProperties.Fanout fanout = new WorkerProperties.Fanout(100, 1000, 0, Duration.ofDays(14));
        assertThat(fanout.pageSize(0)).isEqualTo(100);
        assertThat(fanout.pageSize(50)).isEqualTo(50);
        assertThat(fanout.pageSize(5000)).isEqualTo(1000);
    }
}
