package io.impipeline.dlq.capture;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.impipeline.dlq.letter.CapturedDeadLetter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DeadLetterLogTest {

    private final Logger logger = (Logger) DeadLetterLog.LOG;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    @BeforeEach
    void attach() {
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(appender);
    }

    @Test
    void aBurstLogsAtMostTheLimitThenOneSummaryLineWithTheCountLeftOut() {
        DeadLetterLog log = new DeadLetterLog(3, Duration.ofMinutes(1), false);
        for (int i = 0; i < 10; i++) {
            log.stored(letter(i, i < 7 ? "MALFORMED_JSON" : null));
        }
        assertThat(warnings()).hasSize(3);

        log.endWindow();
        assertThat(warnings()).hasSize(4);
        String summary = warnings().get(3);
        assertThat(summary).contains("suppressed=7").contains("MALFORMED_JSON=4").contains("UNKNOWN=3");

        log.endWindow();
        assertThat(warnings()).as("nothing left out, no summary").hasSize(4);
        log.stored(letter(11, "TOO_LARGE"));
        assertThat(warnings()).as("a new window logs again").hasSize(5);
    }

    @Test
    void aLineBreakInARecordCannotForgeALogLine() {
        DeadLetterLog log = new DeadLetterLog(3, Duration.ofMinutes(1), false);
        CapturedDeadLetter d = new CapturedDeadLetter("t-dlq", 0, 1, null, null, null, null, List.of(),
                "stage\nFAKE ERROR", "R", null, null, "topic\r\nx", null, null, null, Instant.EPOCH, null, null);
        log.stored(d);
        assertThat(warnings().get(0)).doesNotContain("\n").doesNotContain("\r").contains("stage?FAKE ERROR");
    }

    private List<String> warnings() {
        return appender.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    private static CapturedDeadLetter letter(int offset, String reason) {
        return new CapturedDeadLetter("t-dlq", 0, offset, null, null, null, null, List.of(), "s", reason, null, null,
                "t", 0, (long) offset, null, Instant.EPOCH, null, null);
    }
}
