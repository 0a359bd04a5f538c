package io.impipeline.simulator;

import java.util.List;
import java.util.Map;
import java.util.Set;

import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.simulator.DeliveryChecker.DeliveryKey;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DeliveryCheckerTest {

    private static final long T0 = 1_700_000_000_000L;
    private final DeliveryChecker checker = new DeliveryChecker();

    private static DownstreamMessage down(String id, String to, String conversation, long seq, List<String> devices) {
        return new DownstreamMessage(id, "u-a", to, conversation, "hi", "text", Map.of(), T0, "1.0", seq, null,
                devices);
    }

    private static SequencedMessage persisted(String id, String conversation, long seq) {
        return new SequencedMessage(new UpstreamMessage(id, "u-a", "u-b", conversation, "hi", "text", Map.of(), "gw",
                null, T0, "1.0", null, null), seq, T0);
    }

    private void expectOne(String id, long seq) {
        checker.expectAccepted(id, null);
        checker.expectDelivery(new DeliveryKey(id, "u-b", "gw-1"), Set.of("d1"));
        checker.onPersistTask(persisted(id, "c1", seq));
    }

    @Test
    void everyExpectedDeliveryOnceInOrderPasses() {
        expectOne("m1", 1);
        expectOne("m2", 2);
        checker.onDownstream("gw-1", down("m1", "u-b", "c1", 1, List.of("d1")), T0 + 10, true);
        checker.onDownstream("gw-1", down("m2", "u-b", "c1", 2, List.of("d1")), T0 + 20, true);
        assertThat(checker.complete()).isTrue();
        DeliveryChecker.Summary summary = checker.summary();
        assertThat(summary.failures()).isEmpty();
        assertThat(summary.p50Millis()).isBetween(9.0, 21.0);
    }

    @Test
    void aMissingDeliveryFailsTheRun() {
        expectOne("m1", 1);
        assertThat(checker.complete()).isFalse();
        assertThat(checker.summary().failures()).anySatisfy(f -> assertThat(f).contains("never arrived"));
    }

    @Test
    void aDuplicateDeliveryFailsTheRun() {
        expectOne("m1", 1);
        checker.onDownstream("gw-1", down("m1", "u-b", "c1", 1, List.of("d1")), T0, true);
        checker.onDownstream("gw-1", down("m1", "u-b", "c1", 1, List.of("d1")), T0, true);
        assertThat(checker.summary().failures()).anySatisfy(f -> assertThat(f).contains("duplicate delivery"));
    }

    @Test
    void seqOutOfOrderForOneRecipientFailsTheRun() {
        expectOne("m1", 1);
        expectOne("m2", 2);
        checker.onDownstream("gw-1", down("m2", "u-b", "c1", 2, List.of("d1")), T0, true);
        checker.onDownstream("gw-1", down("m1", "u-b", "c1", 1, List.of("d1")), T0, true);
        assertThat(checker.summary().failures()).anySatisfy(f -> assertThat(f).contains("out of order"));
    }

    @Test
    void aGapInAConversationsSeqFailsTheRun() {
        expectOne("m1", 1);
        expectOne("m3", 3);
        assertThat(checker.summary().failures()).anySatisfy(f -> assertThat(f).contains("gaps in c1"));
    }

    @Test
    void aScheduledMessageArrivingEarlyFailsTheRun() {
        checker.expectAccepted("m1", T0 + 5_000);
        checker.expectDelivery(new DeliveryKey("m1", "u-b", "gw-1"), Set.of("d1"));
        checker.onDownstream("gw-1", down("m1", "u-b", "c1", 1, List.of("d1")), T0 + 4_000, true);
        assertThat(checker.summary().failures()).anySatisfy(f -> assertThat(f).contains("early"));
    }

    @Test
    void wrongDeviceIdsAndUnexpectedDeliveriesFailTheRun() {
        expectOne("m1", 1);
        checker.onDownstream("gw-1", down("m1", "u-b", "c1", 1, List.of("d1", "d2")), T0, true);
        checker.onDownstream("gw-2", down("m1", "u-b", "c1", 1, List.of("d9")), T0, true);
        assertThat(checker.summary().failures())
                .anySatisfy(f -> assertThat(f).contains("device_ids"))
                .anySatisfy(f -> assertThat(f).contains("unexpected delivery"));
    }

    @Test
    void missingOfflinePushAndBadRecordNotDeadLetteredFailTheRun() {
        checker.expectPush("u-c", "m1");
        checker.sentBad("bad-1");
        assertThat(checker.summary().failures())
                .anySatisfy(f -> assertThat(f).contains("offline pushes missing"))
                .anySatisfy(f -> assertThat(f).contains("not found in the dead-letter topic"));
        checker.onDeadLetter("bad-1");
        assertThat(checker.summary().failures()).noneSatisfy(f -> assertThat(f).contains("dead-letter"));
    }
}
