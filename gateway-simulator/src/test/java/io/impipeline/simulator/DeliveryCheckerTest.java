package io.impipeline.simulator;

import java.util.List;
import java.util.Map;
import java.util.Set;

import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.DownstreamMessage.Recipient;
import io.impipeline.model.wire.OfflinePushPayload;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.simulator.DeliveryChecker.Deliver;
import io.impipeline.simulator.DeliveryChecker.DeviceAt;
import io.impipeline.simulator.DeliveryChecker.EitherWay;
import io.impipeline.simulator.DeliveryChecker.Push;
import io.impipeline.simulator.DeliveryChecker.StoredRow;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DeliveryCheckerTest {

    private static final long T0 = 1_700_000_000_000L;
    private static final DeviceAt B1 = new DeviceAt("gw-1", "b1");
    private static final DeviceAt C1 = new DeviceAt("gw-1", "c1");
    private static final DeviceAt C2 = new DeviceAt("gw-2", "c2");
    private final DeliveryChecker checker = new DeliveryChecker();

    // ---- fixtures -------------------------------------------------------------------------------------------

    /** A single-chat record from u-a to {@code to}, keyed by the recipient as the contract says. */
    private void single(String gw, String id, String to, String conversation, long seq, long at, String... devices) {
        checker.onDownstream(gw, to, new DownstreamMessage(id, "u-a", to, conversation, "hi", "text", Map.of(), T0,
                "1.0", seq, null, List.of(devices), null), at);
    }

    /** A v2 group record: one per (message, gateway, routed batch), keyed by the conversation. */
    private static DownstreamMessage group(String id, String conversation, long seq, Recipient... recipients) {
        return new DownstreamMessage(id, "u-a", null, conversation, "hi", "text", Map.of(), T0, "1.0", seq, "g1", null,
                List.of(recipients));
    }

    private static Recipient to(String user, String... devices) {
        return new Recipient(user, List.of(devices));
    }

    private static SequencedMessage persistTask(String id, String conversation, long seq) {
        return new SequencedMessage(new UpstreamMessage(id, "u-a", "u-b", conversation, "hi", "text", Map.of(), "gw",
                null, T0, "1.0", null, null), seq, T0);
    }

    private static OfflinePushPayload push(String id, String... users) {
        return new OfflinePushPayload(List.of(users), "u-a", id, "title", "hi", "message", "c1");
    }

    /** A single-chat message u-a -> u-b (device b1 on gw-1) in c1 with its persist task. */
    private void singleChat(String id, long seq) {
        checker.expectAccepted(id, "u-a", "c1", null, false);
        checker.expect(id, "u-b", new Deliver(Set.of(B1)));
        checker.onPersistTask(persistTask(id, "c1", seq));
    }

    private List<String> failures() {
        return checker.summary().failures();
    }

    // ---- what passes ----------------------------------------------------------------------------------------

    @Test
    void everyExpectedDeliveryOnceInOrderPasses() {
        singleChat("m1", 1);
        singleChat("m2", 2);
        single("gw-1", "m1", "u-b", "c1", 1, T0 + 10, "b1");
        single("gw-1", "m2", "u-b", "c1", 2, T0 + 20, "b1");
        assertThat(checker.complete()).isTrue();
        DeliveryChecker.Summary summary = checker.summary();
        assertThat(summary.failures()).isEmpty();
        assertThat(summary.p50Millis()).isBetween(9.0, 21.0);
        assertThat(summary.progress().records()).isEqualTo(2);
        assertThat(summary.progress().delivered()).isEqualTo(2);
    }

    @Test
    void aGroupRecordDeliversToEveryListedRecipientsListedDevices() {
        checker.expectAccepted("g1m", "u-a", "gc", null, true);
        checker.expect("g1m", "u-b", new Deliver(Set.of(B1)));
        checker.expect("g1m", "u-c", new Deliver(Set.of(C1, C2)));
        checker.expect("g1m", "u-d", new Push());
        checker.onPersistTask(persistTask("g1m", "gc", 1));
        checker.onDownstream("gw-1", "gc", group("g1m", "gc", 1, to("u-b", "b1"), to("u-c", "c1")), T0);
        checker.onDownstream("gw-2", "gc", group("g1m", "gc", 1, to("u-c", "c2")), T0);
        checker.onPushTask(push("g1m", "u-d"));
        assertThat(checker.complete()).isTrue();
        DeliveryChecker.Summary summary = checker.summary();
        assertThat(summary.failures()).isEmpty();
        assertThat(summary.progress().records()).isEqualTo(2);
        assertThat(summary.progress().delivered()).isEqualTo(3);
        assertThat(summary.recordsByGateway()).containsEntry("gw-1", 1L).containsEntry("gw-2", 1L);
        assertThat(summary.recordsPerGroupMessage()).isEqualTo(2.0);
        assertThat(summary.render()).contains("deliveries (message, device-gateway pairs): 3")
                .contains("2.00 records per group message");
    }

    @Test
    void aUserWhosePresenceChangesMayGetEachMessageEitherDeliveredOrPushed() {
        checker.expectAccepted("m1", "u-a", "c1", null, false);
        checker.expectAccepted("m2", "u-a", "c1", null, false);
        checker.expect("m1", "c-x", new EitherWay(Set.of(), Set.of(C1)));
        checker.expect("m2", "c-x", new EitherWay(Set.of(), Set.of(C1)));
        checker.onPersistTask(persistTask("m1", "c1", 1));
        checker.onPersistTask(persistTask("m2", "c1", 2));
        single("gw-1", "m1", "c-x", "c1", 1, T0, "c1");
        checker.onPushTask(push("m2", "c-x"));
        assertThat(checker.complete()).isTrue();
        assertThat(failures()).isEmpty();
        assertThat(checker.summary().eitherWayDelivered()).isEqualTo(1);
    }

    @Test
    void whatTheDispatcherWroteToADeadGatewaysTopicCountsAsDeliveredButNotAsLatency() {
        checker.expectAccepted("m1", "u-a", "c1", null, false);
        checker.expect("m1", "c-x", new EitherWay(Set.of(), Set.of(C1)));
        checker.onPersistTask(persistTask("m1", "c1", 1));
        checker.onDownstreamAfterDeath("gw-1", "c-x", new DownstreamMessage("m1", "u-a", "c-x", "c1", "hi", "text",
                Map.of(), T0, "1.0", 1, null, List.of("c1"), null));
        assertThat(checker.complete()).isTrue();
        DeliveryChecker.Summary summary = checker.summary();
        assertThat(summary.failures()).isEmpty();
        assertThat(summary.latencySamples()).isZero();
        assertThat(summary.recordsAfterDeath()).isEqualTo(1);
    }

    @Test
    void offlinePushesCountOncePerUserOfEachBatch() {
        checker.expectAccepted("m1", "u-a", "gc", null, true);
        checker.expect("m1", "u-c", new Push());
        checker.expect("m1", "u-d", new Push());
        checker.onPushTask(push("m1", "u-c", "u-d"));
        assertThat(checker.summary().failures()).noneSatisfy(f -> assertThat(f).contains("push"));
        assertThat(checker.progress().pushes()).isEqualTo(2);
    }

    // ---- what fails: deliveries -------------------------------------------------------------------------------

    @Test
    void aMissingDeliveryFailsTheRun() {
        singleChat("m1", 1);
        assertThat(checker.complete()).isFalse();
        assertThat(failures()).anySatisfy(f -> assertThat(f).contains("never arrived"));
    }

    @Test
    void aDuplicateDeliveryFailsTheRun() {
        singleChat("m1", 1);
        single("gw-1", "m1", "u-b", "c1", 1, T0, "b1");
        single("gw-1", "m1", "u-b", "c1", 1, T0, "b1");
        assertThat(failures()).anySatisfy(f -> assertThat(f).contains("duplicate deliveries"));
    }

    @Test
    void aDeviceListedInTwoGroupRecordsOfOneMessageFailsTheRun() {
        checker.expectAccepted("g1m", "u-a", "gc", null, true);
        checker.expect("g1m", "u-b", new Deliver(Set.of(B1)));
        checker.expect("g1m", "u-c", new Deliver(Set.of(C1)));
        checker.onDownstream("gw-1", "gc", group("g1m", "gc", 1, to("u-b", "b1")), T0);
        checker.onDownstream("gw-1", "gc", group("g1m", "gc", 1, to("u-c", "c1"), to("u-b", "b1")), T0);
        assertThat(failures()).anySatisfy(f -> assertThat(f).contains("duplicate deliveries").contains("g1m->u-b"));
    }

    @Test
    void devicesTheUserDoesNotHaveAndDeliveriesToOtherUsersFailTheRun() {
        singleChat("m1", 1);
        single("gw-1", "m1", "u-b", "c1", 1, T0, "b1", "b2");
        single("gw-2", "m1", "u-z", "c1", 1, T0, "z9");
        assertThat(failures())
                .anySatisfy(f -> assertThat(f).contains("devices the user does not have").contains("b2@gw-1"))
                .anySatisfy(f -> assertThat(f).contains("unexpected deliveries").contains("m1->u-z"));
    }

    @Test
    void aGroupRecordListingItsSenderOrKeyedByTheRecipientFailsTheRun() {
        checker.expectAccepted("g1m", "u-a", "gc", null, true);
        checker.onDownstream("gw-1", "u-a", group("g1m", "gc", 1, to("u-a", "a1")), T0);
        assertThat(failures())
                .anySatisfy(f -> assertThat(f).contains("listing their own sender"))
                .anySatisfy(f -> assertThat(f).contains("wrong key"));
    }

    @Test
    void seqOutOfOrderForOneRecipientFailsTheRun() {
        singleChat("m1", 1);
        singleChat("m2", 2);
        single("gw-1", "m2", "u-b", "c1", 2, T0, "b1");
        single("gw-1", "m1", "u-b", "c1", 1, T0, "b1");
        assertThat(failures()).anySatisfy(f -> assertThat(f).contains("out of order"));
    }

    @Test
    void aScheduledMessageArrivingEarlyFailsTheRun() {
        checker.expectAccepted("m1", "u-a", "c1", T0 + 5_000, false);
        checker.expect("m1", "u-b", new Deliver(Set.of(B1)));
        single("gw-1", "m1", "u-b", "c1", 1, T0 + 4_000, "b1");
        assertThat(failures()).anySatisfy(f -> assertThat(f).contains("early"));
    }

    // ---- what fails: pushes and users whose presence changes -----------------------------------------------

    @Test
    void aDuplicatePushFailsTheRun() {
        checker.expectAccepted("m1", "u-a", "gc", null, true);
        checker.expect("m1", "u-c", new Push());
        checker.expect("m1", "u-d", new Push());
        checker.onPersistTask(persistTask("m1", "gc", 1));
        checker.onPushTask(push("m1", "u-c", "u-d"));
        checker.onPushTask(push("m1", "u-d"));
        assertThat(checker.complete()).as("nothing is missing: only the verdict fails").isTrue();
        assertThat(failures()).anySatisfy(f -> assertThat(f).contains("1 duplicate pushes").contains("m1->u-d"));
    }

    @Test
    void aUserListedTwiceInOnePushBatchIsPushedTwiceAndFailsTheRun() {
        checker.expectAccepted("m1", "u-a", "gc", null, true);
        checker.expect("m1", "u-c", new Push());
        checker.onPushTask(push("m1", "u-c", "u-c"));
        assertThat(failures()).anySatisfy(f -> assertThat(f).contains("duplicate pushes"));
    }

    @Test
    void aChurningUsersMessageNeitherDeliveredNorPushedFailsTheRun() {
        checker.expectAccepted("m1", "u-a", "c1", null, false);
        checker.expect("m1", "c-x", new EitherWay(Set.of(), Set.of(C1)));
        assertThat(checker.complete()).isFalse();
        assertThat(failures()).anySatisfy(f -> assertThat(f).contains("messages lost").contains("m1->c-x"));
    }

    @Test
    void aMessageDeliveredAndPushedToOneUserFailsTheRun() {
        checker.expectAccepted("m1", "u-a", "c1", null, false);
        checker.expect("m1", "c-x", new EitherWay(Set.of(), Set.of(C1)));
        checker.onPersistTask(persistTask("m1", "c1", 1));
        single("gw-1", "m1", "c-x", "c1", 1, T0, "c1");
        checker.onPushTask(push("m1", "c-x"));
        assertThat(checker.complete()).as("nothing is missing: only the verdict fails").isTrue();
        assertThat(failures()).anySatisfy(f -> assertThat(f).contains("delivered AND pushed").contains("m1->c-x"));
    }

    @Test
    void aChurningUserWithADeviceOnlineAllTheRunMustGetItThereNotAPush() {
        checker.expectAccepted("m1", "u-a", "c1", null, false);
        checker.expect("m1", "c-x", new EitherWay(Set.of(C2), Set.of(C1, C2)));
        checker.onPushTask(push("m1", "c-x"));
        assertThat(failures()).anySatisfy(f -> assertThat(f).contains("pushes to users with a device online"));
    }

    @Test
    void aChurningUsersMessageOnADeviceSheNeverHadFailsTheRun() {
        checker.expectAccepted("m1", "u-a", "c1", null, false);
        checker.expect("m1", "c-x", new EitherWay(Set.of(), Set.of(C1)));
        single("gw-2", "m1", "c-x", "c1", 1, T0, "c1");
        assertThat(failures()).anySatisfy(f -> assertThat(f).contains("devices the user never had"));
    }

    @Test
    void aPushToAnOnlineUserOrADeliveryToAnOfflineOneFailsTheRun() {
        singleChat("m1", 1);
        checker.expect("m1", "u-c", new Push());
        checker.onPushTask(push("m1", "u-b"));
        single("gw-1", "m1", "u-c", "c1", 1, T0, "c1");
        assertThat(failures())
                .anySatisfy(f -> assertThat(f).contains("pushes to users who were online"))
                .anySatisfy(f -> assertThat(f).contains("deliveries to users who were offline"));
    }

    @Test
    void aPushForAUserTheMessageIsNotForFailsTheRun() {
        singleChat("m1", 1);
        checker.onPushTask(push("m1", "u-z"));
        assertThat(failures()).anySatisfy(f -> assertThat(f).contains("unexpected pushes").contains("m1->u-z"));
    }

    @Test
    void missingOfflinePushAndBadRecordNotDeadLetteredFailTheRun() {
        checker.expectAccepted("m1", "u-a", "c1", null, false);
        checker.expect("m1", "u-c", new Push());
        checker.sentBad("bad-1");
        assertThat(failures())
                .anySatisfy(f -> assertThat(f).contains("offline pushes missing"))
                .anySatisfy(f -> assertThat(f).contains("not found in the dead-letter topic"));
        checker.onDeadLetter("bad-1");
        assertThat(failures()).noneSatisfy(f -> assertThat(f).contains("dead-letter"));
    }

    // ---- what fails: seq and persistence ----------------------------------------------------------------------

    @Test
    void aGapInAConversationsSeqFailsTheRun() {
        singleChat("m1", 1);
        singleChat("m3", 3);
        assertThat(failures()).anySatisfy(f -> assertThat(f).contains("not gap-free").contains("c1: [1, 3]"));
    }

    @Test
    void twoMessagesWithOneSeqFailTheRun() {
        singleChat("m1", 1);
        singleChat("m2", 1);
        assertThat(failures()).anySatisfy(f -> assertThat(f).contains("seqs given to more than one message")
                .contains("c1: seq 1 x2"));
    }

    @Test
    void twoMessagesWithOneSeqInTheHistoryFailTheRun() {
        singleChat("m1", 1);
        singleChat("m2", 2);
        checker.useHistory("http://worker");
        checker.onHistory("c1", List.of(new StoredRow("m1", "u-a", 2), new StoredRow("m2", "u-a", 2)));
        assertThat(failures())
                .anySatisfy(f -> assertThat(f).contains("seqs given to more than one message"))
                .anySatisfy(f -> assertThat(f).contains("two different seqs").contains("m1"));
    }

    @Test
    void aMessageWithAPersistTaskButNoRowInPostgresFailsTheRun() {
        singleChat("m1", 1);
        singleChat("m2", 2);
        checker.useHistory("http://worker");
        checker.onHistory("c1", List.of(new StoredRow("m1", "u-a", 1)));
        assertThat(checker.conversationsAwaitingRows()).containsExactly("c1");
        DeliveryChecker.Summary summary = checker.summary();
        assertThat(summary.failures()).anySatisfy(f -> assertThat(f)
                .contains("1 accepted messages without a row in PostgreSQL").contains("m2"));
        assertThat(summary.persisted()).isEqualTo(1);

        checker.onHistory("c1", List.of(new StoredRow("m1", "u-a", 1), new StoredRow("m2", "u-a", 2)));
        assertThat(checker.conversationsAwaitingRows()).isEmpty();
        assertThat(checker.summary().failures()).noneSatisfy(f -> assertThat(f).contains("PostgreSQL"));
    }

    @Test
    void aRowOfAnotherSenderWithTheSameMessageIdDoesNotCountAsPersisted() {
        singleChat("m1", 1);
        checker.useHistory("http://worker");
        checker.onHistory("c1", List.of(new StoredRow("m1", "u-other", 1)));
        assertThat(failures()).anySatisfy(f -> assertThat(f).contains("without a row in PostgreSQL"));
    }

    @Test
    void aHistoryErrorIsNamedWithTheMissingRow() {
        singleChat("m1", 1);
        checker.useHistory("http://worker");
        checker.onHistoryError("c1", "HTTP 401");
        assertThat(failures()).anySatisfy(f -> assertThat(f).contains("without a row").contains("HTTP 401"));
    }

    @Test
    void aMessageWithoutAPersistTaskFailsWhenNoWorkerIsGivenAndTheSummarySaysRowsWereNotChecked() {
        checker.expectAccepted("m1", "u-a", "c1", null, false);
        DeliveryChecker.Summary summary = checker.summary();
        assertThat(summary.failures()).anySatisfy(f -> assertThat(f).contains("without a persist task"));
        assertThat(summary.rowsChecked()).isFalse();
        assertThat(summary.render()).contains("rows in PostgreSQL were NOT checked");
    }
}
