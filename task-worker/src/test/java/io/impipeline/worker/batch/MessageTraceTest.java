package io.impipeline.worker.batch;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import io.impipeline.platform.messagetrace.TraceSwitch;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaOperations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/** The worker's {@code fanned_out} events follow the trace switch: none while paused, written again once resumed. */
class MessageTraceTest {

    @SuppressWarnings("unchecked")
    private final KafkaOperations<String, byte[]> template = mock(KafkaOperations.class);
    private final Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    @Test
    void aPausedSwitchWritesNoFannedOutEventUntilResumed() {
        TraceSwitch traceSwitch = TraceSwitch.of(true);
        MessageTrace trace = new MessageTrace(template, "im-trace-topic", "task-worker", clock, traceSwitch);

        traceSwitch.write(false);
        assertThat(trace.on()).isFalse();
        trace.fannedOut("m1", "alice", Map.of("page", 0));
        verify(template, never()).execute(any());

        traceSwitch.write(true);
        assertThat(trace.on()).isTrue();
        trace.fannedOut("m1", "alice", Map.of("page", 1));
        verify(template, times(1)).execute(any());
        assertThat(MessageTrace.off().on()).as("started with im.trace.enabled=false").isFalse();
    }
}
