package io.impipeline.dispatcher.topology;

import java.util.concurrent.atomic.AtomicInteger;

import io.impipeline.dispatcher.presence.PresenceStore;
import io.impipeline.dispatcher.presence.UserPresence;
import io.impipeline.dispatcher.settings.DispatcherProperties;
import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.GatewayHeartbeat.Status;
import io.impipeline.model.wire.PresenceEvent;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.impipeline.dispatcher.topology.DispatchTopologyFixture.routedText;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12, presence: whatever a gateway (or anyone) writes to {@code im-presence-topic} is either stored where the
 * routed records of its user look for it, or dead-lettered to {@code im-presence-topic-dlq} with a reason; no record
 * makes an exception escape (the driver would throw it).
 */
class PresenceInputTest {

    private DispatchTopologyFixture f = new DispatchTopologyFixture();

    @AfterEach
    void close() {
        f.close();
    }

    @Test
    void presenceReadFromAPartitionItsUserDoesNotHashToIsDeadLetteredNamingTheUserAndNotStored() {
        manyPartitions();
        String elsewhere = f.userOfAnotherPartition("user");

        f.online(elsewhere, "phone", "gw-a", f.now());

        TestRecord<String, byte[]> dead = f.dlq(TopicKind.PRESENCE).readRecord();
        assertThat(dead.key()).isEqualTo(elsewhere);
        assertThat(reason(dead)).isEqualTo("INVALID_FIELD");
        assertThat(detail(dead)).contains("user_id", elsewhere, "partition " + DispatchTopologyFixture.THIS_PARTITION);
        assertThat(presenceStore().get(elsewhere)).isNull();
        assertThat(f.count(DispatchMetrics.PRESENCE, "outcome", "dead_lettered")).isEqualTo(1);
    }

    @Test
    void presenceOfAUserOfThisPartitionIsStoredAndUsed() {
        manyPartitions();
        String here = f.usersOfThisPartition("user", 1).get(0);
        f.heartbeat("gw-a", Status.UP);

        f.online(here, "phone", "gw-a", f.now());
        f.route(routedText("m1", "alice", "a-phone", here, 1, false, f.now()));

        assertThat(f.dlq(TopicKind.PRESENCE).isEmpty()).isTrue();
        assertThat(f.downstream("gw-a").readValuesToList()).extracting(DownstreamMessage::toUserId)
                .containsExactly(here);
    }

    @Test
    void presenceOnAGatewayThatHasNotHeartbeatedYetIsKeptAndUsedOnceTheGatewayHeartbeats() {
        f.online("bob", "phone", "gw-new", f.now());
        f.route(routedText("m1", "alice", "a-phone", "bob", 1, false, f.now()));
        assertThat(f.tasks().readValuesToList()).hasSize(1);

        f.heartbeat("gw-new", Status.UP);
        f.route(routedText("m2", "alice", "a-phone", "bob", 2, false, f.now()));

        assertThat(f.downstream("gw-new").readValuesToList()).extracting(DownstreamMessage::messageId)
                .containsExactly("m2");
        assertThat(f.dlq(TopicKind.PRESENCE).isEmpty()).isTrue();
    }

    @Test
    void presenceTombstoneIsDeadLetteredAsAnEmptyRecordAndChangesNothing() {
        f.heartbeat("gw-a", Status.UP);
        f.online("bob", "phone", "gw-a", f.now());

        f.presence.pipeInput("bob", (byte[]) null);

        TestRecord<String, byte[]> dead = f.dlq(TopicKind.PRESENCE).readRecord();
        assertThat(dead.key()).isEqualTo("bob");
        assertThat(dead.value()).isNull();
        assertThat(reason(dead)).isEqualTo("EMPTY_RECORD");
        assertThat(presenceStore().get("bob").devices()).containsOnlyKeys("phone");
    }

    @Test
    void presenceWithAnEmptyKeyIsDeadLetteredAsInvalidField() {
        f.presence.pipeInput("", event("bob"));

        TestRecord<String, byte[]> dead = f.dlq(TopicKind.PRESENCE).readRecord();
        assertThat(reason(dead)).isEqualTo("INVALID_FIELD");
        assertThat(detail(dead)).contains("record key must be the user_id", "empty");
        assertThat(presenceStore().get("bob")).isNull();
    }

    @Test
    void presenceWithoutAKeyIsDeadLetteredAsInvalidField() {
        f.presence.pipeInput((String) null, event("bob"));

        TestRecord<String, byte[]> dead = f.dlq(TopicKind.PRESENCE).readRecord();
        assertThat(reason(dead)).isEqualTo("INVALID_FIELD");
        assertThat(presenceStore().get("bob")).isNull();
    }

    @Test
    void presenceWithAHugeKeyIsDeadLetteredWithoutQuotingTheKey() {
        String huge = "k".repeat(1024 * 1024);

        f.presence.pipeInput(huge, event("bob"));

        TestRecord<String, byte[]> dead = f.dlq(TopicKind.PRESENCE).readRecord();
        assertThat(dead.key()).isEqualTo(huge);
        assertThat(reason(dead)).isEqualTo("INVALID_FIELD");
        assertThat(detail(dead)).contains("1048576 chars").hasSizeLessThan(300);
        assertThat(presenceStore().get("bob")).isNull();
    }

    @Test
    void presenceKeyedByAnotherUserIsDeadLetteredAndNeitherUserIsChanged() {
        f.presence.pipeInput("carol", event("bob"));

        TestRecord<String, byte[]> dead = f.dlq(TopicKind.PRESENCE).readRecord();
        assertThat(dead.key()).isEqualTo("carol");
        assertThat(reason(dead)).isEqualTo("INVALID_FIELD");
        assertThat(presenceStore().get("bob")).isNull();
        assertThat(presenceStore().get("carol")).isNull();
    }

    @Test
    void presenceEventThatFailsWhileBeingAppliedIsDeadLetteredAsProcessingErrorAndTheNextOneIsApplied() {
        f.close();
        AtomicInteger calls = new AtomicInteger();
        f = new DispatchTopologyFixture(DispatcherProperties.defaults(), TaskKeyStrategy.TASK_TYPE, 1, () -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("the partition count of im-presence-topic is not known yet");
            }
            return 1;
        });

        f.online("bob", "phone", "gw-a", f.now());
        f.online("carol", "phone", "gw-a", f.now());

        TestRecord<String, byte[]> dead = f.dlq(TopicKind.PRESENCE).readRecord();
        assertThat(dead.key()).isEqualTo("bob");
        assertThat(reason(dead)).isEqualTo("PROCESSING_ERROR");
        assertThat(f.dlq(TopicKind.PRESENCE).isEmpty()).isTrue();
        assertThat(presenceStore().get("bob")).isNull();
        assertThat(presenceStore().get("carol")).isNotNull();
    }

    private void manyPartitions() {
        f.close();
        f = new DispatchTopologyFixture(DispatcherProperties.defaults(), TaskKeyStrategy.TASK_TYPE,
                DispatchTopologyFixture.MANY_PARTITIONS);
    }

    private byte[] event(String user) {
        return WireJson.toBytes(new PresenceEvent(user, "phone", "gw-a", PresenceEvent.Status.ONLINE, f.now()));
    }

    private KeyValueStore<String, UserPresence> presenceStore() {
        return f.driver.getKeyValueStore(PresenceStore.NAME);
    }

    private static String reason(TestRecord<String, byte[]> dead) {
        return DeadLetterHeaders.text(dead.headers(), ImHeaders.DLT_REASON);
    }

    private static String detail(TestRecord<String, byte[]> dead) {
        return DeadLetterHeaders.text(dead.headers(), DeadLetterHeaders.DLT_EXCEPTION_MESSAGE);
    }
}
