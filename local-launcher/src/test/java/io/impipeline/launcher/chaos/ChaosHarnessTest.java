package io.impipeline.launcher.chaos;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.simulator.DeliveryChecker;
import io.impipeline.simulator.DeliveryChecker.DeviceAt;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The harness's own logic, without a pipeline: failure kinds, windows, verdicts, scenario selection. */
class ChaosHarnessTest {

    private static final DeviceAt DEVICE = new DeviceAt("gw-1", "b-d1");

    private static UpstreamMessage message(String id, String conversation, long timestamp) {
        return new UpstreamMessage(id, "a", "b", conversation, "x", "text", Map.of(), "gw-1", "a-d1", timestamp,
                UpstreamMessage.CURRENT_VERSION, null, null);
    }

    private static DownstreamMessage downstream(UpstreamMessage m, long seq) {
        return new DownstreamMessage(m.messageId(), m.fromUserId(), m.toUserId(), m.conversationId(), m.content(),
                m.messageType(), m.metadata(), m.timestamp(), m.version(), seq, null, List.of(DEVICE.deviceId()),
                null);
    }

    @Test
    void theCheckersFailuresAreSortedIntoLostDuplicatedAndSeq() {
        DeliveryChecker checker = new DeliveryChecker();
        long now = System.currentTimeMillis();
        UpstreamMessage lost = message("m-lost", "c-1", now);
        UpstreamMessage twice = message("m-twice", "c-2", now);
        UpstreamMessage gap = message("m-gap", "c-3", now);
        for (UpstreamMessage m : List.of(lost, twice, gap)) {
            checker.expectAccepted(m);
            checker.expect(m.messageId(), "b", new DeliveryChecker.Deliver(Set.of(DEVICE)));
        }
        // lost: never delivered, and no persist task either
        // duplicated: delivered twice to one device
        checker.onPersistTask(new SequencedMessage(twice, 1, now));
        checker.onDownstream("gw-1", "b", downstream(twice, 1), now + 10);
        checker.onDownstream("gw-1", "b", downstream(twice, 1), now + 20);
        // seq: the only message of its conversation has seq 2 (a gap: 1 is missing)
        checker.onPersistTask(new SequencedMessage(gap, 2, now));
        checker.onDownstream("gw-1", "b", downstream(gap, 2), now + 10);

        DeliveryChecker.Summary summary = checker.summary();
        FailureCounts counts = FailureCounts.of(summary);

        assertThat(summary.passed()).isFalse();
        assertThat(counts.lost()).as(summary.render()).isEqualTo(2); // one delivery, one persist task
        assertThat(counts.duplicated()).as(summary.render()).isEqualTo(1);
        // the gap, and the second delivery of the duplicate (seq 1 again: out of order for that device)
        assertThat(counts.seqGaps()).as(summary.render()).isEqualTo(2);
        assertThat(counts.other()).as(summary.render()).isZero();
    }

    @Test
    void everyKindOfFailureTheCheckerNamesHasItsPlace() {
        for (String lost : List.of("expected deliveries never arrived", "offline pushes missing",
                "messages lost for a user whose presence changed (neither delivered nor pushed)",
                "deliveries missing on a device online the whole run",
                "accepted messages without a row in PostgreSQL (history API)",
                "accepted messages without a persist task on im-task-topic",
                "bad records not found in the dead-letter topic")) {
            assertThat(FailureCounts.kind(lost)).as(lost).isEqualTo(FailureCounts.Kind.LOST);
        }
        for (String duplicated : List.of("duplicate deliveries (one message twice to one device)",
                "duplicate pushes (one message pushed twice to one user)", "messages delivered AND pushed to one user",
                "persist tasks written twice", "messages stored twice")) {
            assertThat(FailureCounts.kind(duplicated)).as(duplicated).isEqualTo(FailureCounts.Kind.DUPLICATED);
        }
        for (String seq : List.of("seqs given to more than one message", "conversations whose seq is not gap-free 1..n",
                "deliveries with seq out of order", "messages seen with two different seqs")) {
            assertThat(FailureCounts.kind(seq)).as(seq).isEqualTo(FailureCounts.Kind.SEQ);
        }
        assertThat(FailureCounts.kind("pushes to users who were online the whole run"))
                .isEqualTo(FailureCounts.Kind.OTHER);
        assertThat(FailureCounts.of(List.of("3 duplicate deliveries (one message twice to one device), e.g. [x]",
                "2 offline pushes missing, e.g. [y]")).duplicated()).isEqualTo(3);
    }

    @Test
    void aWindowTakesTheMessagesSentInItAndWhenTheFirstAndTheLastOfThemArrived() {
        DeliveryWatch watch = DeliveryWatch.unstarted();
        long fault = 1_000_000;
        watch.add(new DeliveryWatch.Arrival("before", "c", fault - 1, fault + 50, "t"));
        watch.add(new DeliveryWatch.Arrival("a", "c", fault + 100, fault + 400, "t"));
        watch.add(new DeliveryWatch.Arrival("b", "gc-large", fault + 900, fault + 7_000, "t"));
        watch.add(new DeliveryWatch.Arrival("b", "gc-large", fault + 900, fault + 7_500, "t")); // a second gateway
        watch.add(new DeliveryWatch.Arrival("after", "c", fault + 1_000, fault + 1_100, "t"));

        DeliveryWatch.Window all = watch.window(fault, Duration.ofSeconds(1), a -> true);
        assertThat(all.messages()).isEqualTo(2);
        assertThat(all.first()).isEqualTo(Duration.ofMillis(400));
        assertThat(all.last()).isEqualTo(Duration.ofMillis(7_500));
        assertThat(all.maxLatencyMillis()).isEqualTo(6_600);

        DeliveryWatch.Window large = watch.window(fault, Duration.ofSeconds(1),
                a -> a.conversationId().equals("gc-large"));
        assertThat(large.messages()).isEqualTo(1);

        DeliveryWatch.Window none = watch.window(fault + 5_000, Duration.ofSeconds(1), a -> true);
        assertThat(none.messages()).isZero();
        assertThat(none.last()).isNull();
    }

    private static Outcome outcome(boolean checks, Duration recovery, double p99, List<String> extra) {
        return new Outcome("1-router", "1 broker, 1 instance", "kill", new FailureCounts(0, 0, 0, 0, List.of()), checks,
                p99, recovery, "means", Duration.ofSeconds(10), Duration.ofSeconds(15), extra, "detail", "report");
    }

    @Test
    void aRunPassesOnlyWithEveryCheckPassedRecoveryWithinItsBoundAndP99UnderItsBound() {
        assertThat(outcome(true, Duration.ofSeconds(4), 900, List.of()).passed()).isTrue();
        assertThat(outcome(true, Duration.ofSeconds(4), 900, List.of()).line()).endsWith("PASS");
        assertThat(outcome(false, Duration.ofSeconds(4), 900, List.of()).passed()).isFalse();
        assertThat(outcome(true, null, 900, List.of()).line()).contains("recover never").contains("FAIL")
                .contains("never recovered");
        assertThat(outcome(true, Duration.ofSeconds(11), 900, List.of()).passed()).isFalse();
        assertThat(outcome(true, Duration.ofSeconds(4), 15_000, List.of()).passed()).isFalse();
        assertThat(outcome(true, Duration.ofSeconds(4), 900, List.of("RSS over")).line()).contains("RSS over");
    }

    @Test
    void scenariosAreChosenByNumberOrPartInTheirOwnOrderAndTheControlOnlyWhenNamed() {
        List<Scenario> all = ChaosMain.scenarios();
        Map<Scenario, List<String>> plan = ChaosMain.plan(List.of("3-leader", "1", "1-router"), all);
        assertThat(plan.values()).containsExactly(List.of("1-router", "1-dispatcher", "1-worker", "1-dlq-handler"),
                List.of("3-leader"));
        assertThat(ChaosMain.plan(List.of("1,2,3,4,5,6".split(",")), all).keySet())
                .noneMatch(s -> s.number().equals("0"));
        assertThat(ChaosMain.plan(List.of("0"), all).values()).containsExactly(List.of("0-router-not-restarted"));
        assertThatThrownBy(() -> ChaosMain.plan(List.of("7"), all)).hasMessageContaining("unknown scenarios [7]");
    }

    @Test
    void theWorkersWindowHoldsAboutFiveLargeGroupMessages() {
        assertThat(AppKillScenario.largeGroupWindow(50)).isEqualTo(Duration.ofSeconds(2));
        assertThat(AppKillScenario.largeGroupWindow(20)).isEqualTo(Duration.ofSeconds(5));
        assertThat(AppKillScenario.largeGroupWindow(1000)).isEqualTo(Duration.ofSeconds(1));
    }
}
