package io.impipeline.router.topology;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.wire.GroupMembership;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.router.metrics.RouterMetrics.Outcome;
import io.impipeline.testkit.Messages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.impipeline.router.topology.RouterDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12: the group table holds bytes and every read decodes them ({@link GroupReader}). A group whose latest
 * record cannot be read (restored raw after a restart, or piped through the table) is an unknown group: its messages
 * are dead-lettered {@code UNKNOWN_GROUP}, nothing throws, and the group's next valid record makes it usable again.
 */
class UnreadableGroupTest {

    private static final byte[] GARBAGE = "{not json".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path stateDir;

    @Test
    void aBadGroupRecordInTheStoreMakesTheGroupUnknownAndTheAppGoesOn() {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.restoreGroupRaw("g1", GARBAGE);

            router.send(Messages.groupText("m1", "alice", "g1", T0.toEpochMilli()));
            router.send(Messages.text("m2", "alice", "bob", "conv_ab", T0.toEpochMilli()));

            assertThat(router.deadLetters()).extracting(RouterDriver::reasonOf).containsExactly("UNKNOWN_GROUP");
            assertThat(router.routed()).extracting(kv -> kv.key).containsExactly("bob", "alice");
            assertThat(router.metrics.unreadableGroups(GroupReader.UNDECODABLE)).isEqualTo(1);
        }
    }

    @Test
    void aValidUpdateAfterABadOneMakesTheGroupUsableAgain() {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.group("g1", List.of("alice", "bob"));
            router.groupRaw("g1", GARBAGE);
            router.send(Messages.groupText("m1", "alice", "g1", T0.toEpochMilli()));
            assertThat(router.deadLetters()).extracting(RouterDriver::reasonOf).containsExactly("UNKNOWN_GROUP");

            router.group("g1", List.of("alice", "carol"));
            router.send(Messages.groupText("m2", "alice", "g1", T0.toEpochMilli()));

            assertThat(router.deadLetters()).isEmpty();
            assertThat(router.routed()).flatExtracting(kv -> kv.value.recipientIds()).containsExactly("carol");
        }
    }

    @Test
    void aValidUpdateAfterABadRecordRestoredRawIsApplied() {
        try (RouterDriver second = new RouterDriver(stateDir)) {
            second.restoreGroupRaw("g1", GARBAGE);
            second.send(Messages.groupText("m1", "alice", "g1", T0.toEpochMilli()));
            assertThat(second.deadLetters()).extracting(RouterDriver::reasonOf).containsExactly("UNKNOWN_GROUP");

            second.group("g1", List.of("alice", "bob"));
            second.send(Messages.groupText("m2", "alice", "g1", T0.toEpochMilli()));

            assertThat(second.deadLetters()).isEmpty();
            assertThat(second.routed()).flatExtracting(kv -> kv.value.recipientIds()).containsExactly("bob");
        }
    }

    @Test
    void aGroupRecordUnderAnotherGroupsKeyCountsAsUnreadable() {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.groupRaw("g1", WireJson.toBytes(new GroupMembership("g2", List.of("alice", "mallory"), 1,
                    T0.toEpochMilli())));

            router.send(Messages.groupText("m1", "alice", "g1", T0.toEpochMilli()));

            assertThat(router.deadLetters()).extracting(RouterDriver::reasonOf).containsExactly("UNKNOWN_GROUP");
            assertThat(router.routed()).isEmpty();
            assertThat(router.metrics.unreadableGroups(GroupReader.KEY_MISMATCH)).isEqualTo(1);
        }
    }

    /** Admitted while the group was valid, held for deliver_at, resolved after the group went bad. */
    @Test
    void theMemberLookupAlsoTreatsAnUnreadableGroupAsUnknown() {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.group("g1", List.of("alice", "bob"));
            router.send(new UpstreamMessage("m1", "alice", null, "conv_g1", "later", "text", Map.of(),
                    "gateway_001", null, T0.toEpochMilli(), "1.0", "g1",
                    T0.plus(Duration.ofSeconds(10)).toEpochMilli()));
            assertThat(router.metrics.value(Outcome.SCHEDULED)).isEqualTo(1);

            router.groupRaw("g1", GARBAGE);
            router.advanceWallClock(Duration.ofSeconds(11));

            assertThat(router.deadLetters()).extracting(RouterDriver::reasonOf).containsExactly("UNKNOWN_GROUP");
            assertThat(router.routed()).isEmpty();
        }
    }
}
