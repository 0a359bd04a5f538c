package io.impipeline.platform.messagetrace;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class TraceSwitchTest {

    @Test
    void anEnabledAppWritesUntilPausedAndAgainOnceResumed() {
        TraceSwitch traceSwitch = TraceSwitch.of(true);
        assertThat(traceSwitch.writing()).isTrue();

        assertThat(traceSwitch.write(false)).as("was writing").isTrue();
        assertThat(traceSwitch.writing()).isFalse();
        assertThat(traceSwitch.enabled()).isTrue();
        assertThat(traceSwitch.write(false)).as("already paused").isFalse();

        assertThat(traceSwitch.write(true)).isFalse();
        assertThat(traceSwitch.writing()).isTrue();
    }

    @Test
    void anAppStartedWithTraceOffStaysOffAndSaysHowToTurnItOn() {
        TraceSwitch off = TraceSwitch.of(false);

        assertThat(off.write(false)).isFalse();
        assertThat(off.writing()).isFalse();
        assertThatIllegalStateException().isThrownBy(() -> off.write(true))
                .withMessageContaining("restart it with im.trace.enabled=true");
        assertThat(off.writing()).isFalse();
    }
}
