package io.impipeline.dispatcher.topology;

import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.impipeline.model.codec.Tasks;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.GatewayHeartbeat.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static io.impipeline.dispatcher.topology.DispatchTopologyFixture.routedGroupText;
import static io.impipeline.dispatcher.topology.DispatchTopologyFixture.routedText;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12: a live gateway whose topic is not ready (its creation still in flight after {@code topic-ready-timeout},
 * or failed) is left out of the record. A user reached nowhere else is pushed; a user delivered on another gateway is
 * not (the message is on their screen), and the devices on the left-out gateway miss the real-time copy: that is
 * counted per gateway (records and users) and logged, never silent. Each test uses its own gateway ids: the log's
 * rate limit is per gateway and shared by all processors.
 */
class GatewayTopicNotReadyTest {

    private final DispatchTopologyFixture f = new DispatchTopologyFixture();
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(DispatchProcessor.class);

    @BeforeEach
    void capture() {
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void close() {
        logger.detachAppender(appender);
        f.close();
    }

    @Test
    void devicesOnAGatewayWhoseTopicIsNotReadyMissTheMessageCountedAndLoggedWhenTheUserIsDeliveredElsewhere() {
        f.heartbeat("gw-ready-1", Status.UP);
        f.heartbeat("gw-late-1", Status.UP);
        f.gatewayTopics.notReady.add("gw-late-1");
        f.online("bob", "phone", "gw-ready-1", f.now());
        f.online("bob", "tablet", "gw-late-1", f.now());

        f.route(routedText("m1", "alice", "a-phone", "bob", 1, false, f.now()));

        assertThat(f.downstream("gw-ready-1").readValuesToList()).singleElement()
                .satisfies(m -> assertThat(m.deviceIds()).containsExactly("phone"));
        assertThat(f.tasks().isEmpty()).as("no push: bob has the message on his phone").isTrue();
        assertThat(f.dlq(TopicKind.ROUTED).isEmpty()).isTrue();
        assertThat(f.counter("gateway_not_ready", "gw-late-1")).isEqualTo(1);
        assertThat(f.recipients("gateway_not_ready", "gw-late-1")).isEqualTo(1);
        assertThat(warnings("gw-late-1")).singleElement().satisfies(line -> assertThat(line)
                .contains("message m1 from alice (seq 1)", "1 user(s)", "0 pushed", "1 reached on other gateways")
                .doesNotContain("hello m1"));
    }

    @Test
    void userWhoseOnlyLiveGatewayHasNoTopicYetIsPushedAndCounted() {
        f.heartbeat("gw-late-2", Status.UP);
        f.gatewayTopics.notReady.add("gw-late-2");
        f.online("bob", "phone", "gw-late-2", f.now());

        f.route(routedText("m1", "alice", "a-phone", "bob", 1, false, f.now()));

        assertThat(f.tasks().readValuesToList()).singleElement()
                .satisfies(t -> assertThat(Tasks.offlinePushPayload(t).userIds()).containsExactly("bob"));
        assertThat(f.recipients("gateway_not_ready", "gw-late-2")).isEqualTo(1);
        assertThat(warnings("gw-late-2")).singleElement().satisfies(line -> assertThat(line).contains("1 pushed"));
    }

    @Test
    void groupMembersOnANotReadyGatewayArePushedUnlessReachedOnAnotherGatewayAndAllOfThemAreCounted() {
        f.heartbeat("gw-ready-3", Status.UP);
        f.heartbeat("gw-late-3", Status.UP);
        f.gatewayTopics.notReady.add("gw-late-3");
        f.online("m1", "phone", "gw-late-3", f.now());
        f.online("m2", "phone", "gw-ready-3", f.now());
        f.online("m2", "tablet", "gw-late-3", f.now());
        f.online("m3", "phone", "gw-ready-3", f.now());

        f.route(routedGroupText("g1", "sender", List.of("m1", "m2", "m3"), 1, f.now()));

        assertThat(f.downstream("gw-ready-3").readValuesToList()).singleElement()
                .satisfies(m -> assertThat(m.recipients()).extracting(DownstreamMessage.Recipient::userId)
                        .containsExactly("m2", "m3"));
        assertThat(f.tasks().readValuesToList()).extracting(t -> Tasks.offlinePushPayload(t).userIds())
                .containsExactly(List.of("m1"));
        assertThat(f.counter("gateway_not_ready", "gw-late-3")).isEqualTo(1);
        assertThat(f.recipients("gateway_not_ready", "gw-late-3")).isEqualTo(2);
        assertThat(f.gatewayTopics.awaited.get("gw-late-3")).as("judged once per record").isEqualTo(1);
        assertThat(warnings("gw-late-3")).singleElement().satisfies(line -> assertThat(line)
                .contains("2 user(s)", "1 pushed", "1 reached on other gateways"));
    }

    @Test
    void everyRecordIsCountedButTheWarningIsLoggedOnceAMinutePerGateway() {
        f.heartbeat("gw-ready-4", Status.UP);
        f.heartbeat("gw-late-4", Status.UP);
        f.gatewayTopics.notReady.add("gw-late-4");
        f.online("bob", "phone", "gw-ready-4", f.now());
        f.online("bob", "tablet", "gw-late-4", f.now());

        for (int seq = 1; seq <= 3; seq++) {
            f.route(routedText("m" + seq, "alice", "a-phone", "bob", seq, false, f.now()));
        }

        assertThat(f.downstream("gw-ready-4").readValuesToList()).hasSize(3);
        assertThat(f.counter("gateway_not_ready", "gw-late-4")).isEqualTo(3);
        assertThat(warnings("gw-late-4")).hasSize(1);
    }

    private List<String> warnings(String gatewayId) {
        return appender.list.stream().filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("gateway " + gatewayId + " ")).toList();
    }
}
