package io.impipeline.worker.fanout;

import io.impipeline.worker.fanout.FanoutHeaders.Position;
import io.impipeline.worker.fanout.FanoutProgress.Decision;
import io.impipeline.worker.fanout.FanoutProgress.Row;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What a fan-out record does, decided on the fan-out's row (the rules of {@link FanoutProgress}). */
class FanoutProgressDecisionTest {

    private static final Row NEW = new Row(0, "", 0, null, null, false);

    @Test
    void theFirstRecordOfANewFanOutWritesPageOne() {
        assertThat(FanoutProgress.decide(NEW, Position.START, "0:5")).isEqualTo(new Decision.Write(1, "", 0));
    }

    @Test
    void aContinuationProvesThePageBeforeItAndWritesItsOwn() {
        Row pageOneClaimed = new Row(0, "", 0, 1, "0:5", false);
        assertThat(FanoutProgress.decide(pageOneClaimed, new Position(2, "u099", 9), "0:9"))
                .isEqualTo(new Decision.Write(2, "u099", 9));
    }

    @Test
    void theSameRecordDeliveredAgainAfterACrashWritesItsPageAgain() {
        Row claimed = new Row(1, "u099", 9, 2, "0:9", false);
        assertThat(FanoutProgress.decide(claimed, new Position(2, "u099", 9), "0:9"))
                .isEqualTo(new Decision.Write(2, "u099", 9));
    }

    @Test
    void aSecondCopyOfThePageBeingWrittenWritesNothing() {
        Row claimed = new Row(1, "u099", 9, 2, "0:9", false);
        assertThat(FanoutProgress.decide(claimed, new Position(2, "u099", 9), "3:40"))
                .isEqualTo(new Decision.HeldBy(2, "0:9"));
    }

    @Test
    void theOriginalTaskReplayedWhileTheFanOutRunsWritesNothing() {
        Row running = new Row(3, "u299", 27, 4, "0:20", false);
        assertThat(FanoutProgress.decide(running, Position.START, "0:5")).isEqualTo(new Decision.HeldBy(4, "0:20"));
    }

    @Test
    void aReplayWithoutTheCursorResumesFromTheRowWhenNobodyHoldsTheNextPage() {
        // The page-4 record failed for good and let its claim go.
        Row stopped = new Row(3, "u299", 27, null, null, false);
        assertThat(FanoutProgress.decide(stopped, Position.START, "2:77")).isEqualTo(new Decision.Write(4, "u299", 27));
    }

    @Test
    void aFinishedFanOutWritesNothingWhateverTheRecord() {
        Row done = new Row(10, "u999", 99, null, null, true);
        assertThat(FanoutProgress.decide(done, Position.START, "0:5")).isInstanceOf(Decision.Finished.class);
        assertThat(FanoutProgress.decide(done, new Position(11, "u999", 99), "0:50"))
                .isInstanceOf(Decision.Finished.class);
    }
}
