package io.impipeline.dispatcher.topology;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.impipeline.dispatcher.gateway.GatewaysStore;
import io.impipeline.dispatcher.gateway.UnreadableHeartbeats;
import io.impipeline.model.codec.Tasks;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.GatewayHeartbeat;
import io.impipeline.model.wire.GatewayHeartbeat.Status;
import io.impipeline.model.wire.Task;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.impipeline.dispatcher.topology.DispatchTopologyFixture.routedGroupText;
import static io.impipeline.dispatcher.topology.DispatchTopologyFixture.routedText;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12, the gateway table: a global table's restore puts the topic's latest bytes per gateway into the store
 * without the deserializer, so a bad heartbeat that is the latest for its key is in the store after a restart. With
 * the validating serde every read of it threw: every routed record for a user with a device on that gateway was
 * dead-lettered PROCESSING_ERROR, the scanner and {@code GET /api/v1/gateways} failed whole, and the gateway's next
 * valid heartbeat killed the global stream thread (Kafka Streams reads the old value). Now the table holds bytes,
 * decoded on each read: such an entry counts as no heartbeat, that gateway is down, the others are unaffected.
 * The restart itself, on a broker: GatewayTableRestoreIntegrationTest.
 */
class UnreadableGatewayTableTest {

    private static final byte[] NOT_JSON = "not json {".getBytes(StandardCharsets.UTF_8);

    private final DispatchTopologyFixture f = new DispatchTopologyFixture();

    @AfterEach
    void close() {
        f.close();
    }

    @Test
    void userOnAGatewayWhoseRestoredHeartbeatCannotBeReadIsPushedAndNothingIsDeadLettered() {
        f.restoreRawHeartbeat("gw-a", NOT_JSON);
        f.online("bob", "phone", "gw-a", f.now());

        f.route(routedText("m1", "alice", "a-phone", "bob", 1, false, f.now()));

        assertThat(f.tasks().readValuesToList()).singleElement()
                .satisfies(t -> assertThat(Tasks.offlinePushPayload(t).userIds()).containsExactly("bob"));
        assertThat(f.dlq(TopicKind.ROUTED).isEmpty()).isTrue();
        assertThat(f.count(UnreadableHeartbeats.READS, "reason", "undecodable")).isEqualTo(1);
    }

    @Test
    void userWithAnotherLiveGatewayIsDeliveredThereWhenOneGatewaysHeartbeatCannotBeRead() {
        f.restoreRawHeartbeat("gw-a", NOT_JSON);
        f.heartbeat("gw-b", Status.UP);
        f.online("bob", "phone", "gw-a", f.now());
        f.online("bob", "laptop", "gw-b", f.now());

        f.route(routedText("m1", "alice", "a-phone", "bob", 1, false, f.now()));

        assertThat(f.downstream("gw-b").readValuesToList()).singleElement()
                .satisfies(m -> assertThat(m.deviceIds()).containsExactly("laptop"));
        assertThat(f.tasks().isEmpty()).isTrue();
        assertThat(f.dlq(TopicKind.ROUTED).isEmpty()).isTrue();
    }

    @Test
    void groupBatchIsDeliveredOnReadableGatewaysAndMembersOnlyOnTheUnreadableOneArePushed() {
        f.restoreRawHeartbeat("gw-a", NOT_JSON);
        f.heartbeat("gw-b", Status.UP);
        f.online("m1", "phone", "gw-a", f.now());
        f.online("m2", "phone", "gw-b", f.now());

        f.route(routedGroupText("g1", "sender", List.of("m1", "m2"), 1, f.now()));

        assertThat(f.downstream("gw-b").readValuesToList()).singleElement()
                .satisfies(m -> assertThat(m.recipients()).extracting(DownstreamMessage.Recipient::userId)
                        .containsExactly("m2"));
        assertThat(f.tasks().readValuesToList()).extracting(t -> Tasks.offlinePushPayload(t).userIds())
                .containsExactly(List.of("m1"));
        assertThat(f.dlq(TopicKind.ROUTED).isEmpty()).isTrue();
    }

    @Test
    void gatewayWithAnUnreadableRestoredHeartbeatIsLiveAgainWithItsNextValidHeartbeatAndTheGlobalThreadLives() {
        f.restoreRawHeartbeat("gw-a", NOT_JSON);
        f.online("bob", "phone", "gw-a", f.now());
        f.route(routedText("m1", "alice", "a-phone", "bob", 1, false, f.now()));
        assertThat(f.tasks().readValuesToList()).hasSize(1);

        f.heartbeat("gw-a", Status.UP);
        f.route(routedText("m2", "alice", "a-phone", "bob", 2, false, f.now()));

        assertThat(f.downstream("gw-a").readValuesToList()).extracting(DownstreamMessage::messageId)
                .containsExactly("m2");
        assertThat(f.tasks().isEmpty()).isTrue();
    }

    @Test
    void heartbeatStoredUnderAnotherGatewaysKeyIsNoHeartbeatForThatKey() {
        f.heartbeats.pipeInput("gw-a", WireJson.toBytes(new GatewayHeartbeat("gw-b", Status.UP, f.now())));
        f.online("bob", "phone", "gw-a", f.now());

        f.route(routedText("m1", "alice", "a-phone", "bob", 1, false, f.now()));

        assertThat(f.downstream("gw-a").isEmpty()).isTrue();
        assertThat(f.tasks().readValuesToList()).extracting(Task::taskId).containsExactly("push:alice:m1:bob");
        assertThat(f.count(UnreadableHeartbeats.READS, "reason", "key_mismatch")).isEqualTo(1);
    }

    @Test
    void badHeartbeatReadLiveReplacesTheLastGoodOneSoItsGatewayIsDownUntilTheNextValidOne() {
        f.heartbeat("gw-a", Status.UP);
        f.online("bob", "phone", "gw-a", f.now());
        f.heartbeats.pipeInput("gw-a", NOT_JSON);

        f.route(routedText("m1", "alice", "a-phone", "bob", 1, false, f.now()));
        assertThat(f.downstream("gw-a").isEmpty()).isTrue();
        assertThat(f.tasks().readValuesToList()).hasSize(1);

        f.heartbeat("gw-a", Status.UP);
        f.route(routedText("m2", "alice", "a-phone", "bob", 2, false, f.now()));
        assertThat(f.downstream("gw-a").readValuesToList()).extracting(DownstreamMessage::messageId)
                .containsExactly("m2");
    }

    @Test
    void listingTheGatewayTableNamesWhatCannotBeReadAndWhyAndKeepsTheRest() {
        f.restoreRawHeartbeat("gw-a", NOT_JSON);
        f.heartbeat("gw-b", Status.UP);
        f.heartbeats.pipeInput("gw-c", WireJson.toBytes(new GatewayHeartbeat("gw-x", Status.UP, f.now())));
        f.restoreRawHeartbeat("gw-d", "{\"gateway_id\":\"gw-d\",\"status\":\"sideways\",\"timestamp\":1}"
                .getBytes(StandardCharsets.UTF_8));
        f.heartbeat("gw-e", Status.DRAINING);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();

        GatewaysStore.Listing listing = new GatewaysStore(f.gatewayStore(), WireValidator.withDefaults(),
                new UnreadableHeartbeats(meters)).all();

        assertThat(listing.heartbeats()).extracting(GatewayHeartbeat::gatewayId).containsExactly("gw-b", "gw-e");
        assertThat(listing.unreadable()).containsExactly(new GatewaysStore.Unreadable("gw-a", "MALFORMED_JSON"),
                new GatewaysStore.Unreadable("gw-c", "KEY_MISMATCH"),
                new GatewaysStore.Unreadable("gw-d", "INVALID_FIELD"));
        assertThat(meters.find(UnreadableHeartbeats.READS).tag("reason", "undecodable").counter().count())
                .isEqualTo(2);
        assertThat(meters.find(UnreadableHeartbeats.READS).tag("reason", "key_mismatch").counter().count())
                .isEqualTo(1);
    }
}
