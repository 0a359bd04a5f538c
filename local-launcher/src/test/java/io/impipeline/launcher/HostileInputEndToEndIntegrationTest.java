package io.impipeline.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import io.impipeline.launcher.hostile.Expectation;
import io.impipeline.launcher.hostile.HostileMain;
import io.impipeline.launcher.hostile.HostileRecord;
import io.impipeline.launcher.hostile.HostileReport;
import io.impipeline.launcher.hostile.HostileRun;
import io.impipeline.launcher.hostile.Target;
import io.impipeline.model.codec.ReasonCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12 at system level: the pipeline as in production (a KRaft broker process, PostgreSQL, the four apps each in
 * its own JVM), the hostile corpus ({@link io.impipeline.launcher.hostile.HostileCorpus}) sent to every topic an
 * outside producer can write and to the HTTP ingress while the gateway simulator sends normal traffic, then every
 * record accounted for: processed (by its effects), in {@code dead_letters} with its reason (by original topic,
 * partition and offset), skipped by a global table (counted), or answered over HTTP with its status and code. The
 * counts add up to the corpus, canaries sent after everything are captured too, every simulator check passes and
 * every app is live, ready and RUNNING at the end. The table is written to {@code target/hostile-report.md}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(LaunchedPipeline.class)
@Order(2)
class HostileInputEndToEndIntegrationTest {

    static LocalPipeline pipeline;
    static HostileRun run;
    static HostileReport report;

    @BeforeAll
    static void runTheCorpus(LocalPipeline launched) throws Exception {
        pipeline = launched;
        Path repository = Path.of("").toAbsolutePath().getParent();
        run = new HostileRun(pipeline, new HostileRun.Options(
                HostileMain.simulation(pipeline, 20, Duration.ofSeconds(20)), Duration.ofMinutes(3), Set.of(), null,
                System.out));
        report = run.run();
        String markdown = report.markdown();
        Files.writeString(repository.resolve("local-launcher/target/hostile-report.md"), markdown);
        System.out.println(markdown);
    }

    @AfterAll
    static void closeRun() {
        if (run != null) {
            run.close();
        }
    }

    @Test
    @Order(1)
    void theCorpusHasAtLeastSixtyRecordsForEveryTargetAndTheFiveReproductions() {
        assertThat(report.corpusSize().values()).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(60));
        assertThat(report.rows().stream().map(r -> r.record().id())).contains("u-repro1-1048000",
                "u-repro2-hname-nul-notjson", "gr-repro3-nul-member", "u-nul-content", "u-repro5-alice",
                "u-repro5-carol");
    }

    @Test
    @Order(2)
    void everyHostileRecordGetsItsExpectedOutcome() {
        assertThat(report.failedRows()).as(String.join("\n", report.problems())).isEmpty();
    }

    @Test
    @Order(3)
    void recordsSkippedByTheGlobalTablesAreCountedAndTheCountsAddUpToTheCorpus() {
        assertThat(report.skips()).allSatisfy(s -> assertThat(s.ok()).as(s.toString()).isTrue());
        assertThat(report.countsAddUp()).as(report.outcomes() + " vs " + report.corpusSize()).isTrue();
    }

    @Test
    @Order(4)
    void deadLettersSentAfterTheHostileRecordsAreCapturedToo() {
        assertThat(report.rows().stream().filter(r -> r.record().phase() == HostileRecord.Phase.CANARY))
                .hasSizeGreaterThanOrEqualTo(4)
                .allSatisfy(r -> assertThat(r.ok()).as(r.record().id() + ": " + r.observed()).isTrue());
    }

    @Test
    @Order(5)
    void everySimulatorCheckPasses() {
        assertThat(report.simulation().failures()).isEmpty();
        assertThat(report.simulation().progress().delivered()).isPositive();
    }

    @Test
    @Order(6)
    void everyAppIsAliveLiveReadyAndRunningAtTheEnd() {
        assertThat(report.healthFailures()).isEmpty();
    }

    /** The accounting compares what it observes: the same observations judged against a wrong expectation fail. */
    @Test
    @Order(7)
    void theAccountingFailsWhenAnExpectationIsWrong() {
        HostileRecord nulInContent = record("u-nul-content");
        assertThat(run.check(nulInContent)).isTrue();
        assertThat(run.check(nulInContent.withExpected(new Expectation.DeadLettered("im-upstream-topic-dlq",
                ReasonCode.MALFORMED_JSON, List.of())))).isFalse();
        HostileRecord repro1 = record("u-repro1-1048000");
        assertThat(run.check(repro1.withExpected(new Expectation.DeadLettered("im-upstream-topic-dlq",
                ReasonCode.TOO_LARGE, List.of())))).isFalse();
        HostileRecord http = report.rows().stream().map(HostileReport.Row::record)
                .filter(r -> r.target() == Target.HTTP && r.id().equals("h-nul-content")).findFirst().orElseThrow();
        assertThat(run.check(http.withExpected(new Expectation.Http(202, null, null)))).isFalse();
    }

    static HostileRecord record(String id) {
        return report.rows().stream().map(HostileReport.Row::record).filter(r -> r.id().equals(id)).findFirst()
                .orElseThrow();
    }
}
