package io.impipeline.launcher.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TraceWritingTest {

    @Test
    void theSwitchedScheduleCompilesBothStatesFirstThenAlternatesItsPairsAbba() {
        assertThat(TraceWriting.schedule(3)).extracting(TraceWriting.Pass::variant)
                .containsExactly("on", "off", "on", "off", "off", "on", "on", "off");
        assertThat(TraceWriting.schedule(3)).extracting(TraceWriting.Pass::counted)
                .containsExactly(false, false, true, true, true, true, true, true);
        assertThat(TraceWriting.schedule(3)).filteredOn(TraceWriting.Pass::counted)
                .filteredOn(TraceWriting.Pass::writing).hasSize(3);
    }
}
