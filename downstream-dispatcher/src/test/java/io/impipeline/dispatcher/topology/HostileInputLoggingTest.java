package io.impipeline.dispatcher.topology;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.impipeline.dispatcher.settings.DispatcherProperties;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.wire.GatewayHeartbeat.Status;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.UpstreamMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12: every record the dispatcher dead-letters, skips or fails on is logged (and counted, asserted where each
 * case is tested), and no log line at INFO or above quotes what the sender wrote. The secret is in the content and
 * the metadata of each message, and in the bytes of a bad heartbeat.
 */
class HostileInputLoggingTest {

    private static final String SECRET = "SECRET-4c1d9e";

    /** Thrown by the partition count once, to make the dispatch of one record fail (a class of its own: the log
     *  line per exception class is rate limited across tests). */
    static final class PartitionCountLost extends RuntimeException {
        PartitionCountLost() {
            super("partition count lost");
        }
    }

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final AtomicBoolean failNext = new AtomicBoolean();
    private final DispatchTopologyFixture f = new DispatchTopologyFixture(
            DispatchTopologyTest.withMaxDeliveryBytes(org.springframework.util.unit.DataSize.ofBytes(2_000)),
            TaskKeyStrategy.TASK_TYPE, 1, () -> {
                if (failNext.getAndSet(false)) {
                    throw new PartitionCountLost();
                }
                return 1;
            });

    @BeforeEach
    void capture() {
        appender.start();
        root.addAppender(appender);
    }

    @AfterEach
    void release() {
        root.detachAppender(appender);
        f.close();
    }

    @Test
    void deadLetteredSkippedAndFailedRecordsAreLoggedWithoutTheirContent() {
        f.heartbeat("gw-log", Status.UP);
        f.heartbeat("gw-log-late", Status.UP);
        f.gatewayTopics.notReady.add("gw-log-late");
        f.restoreRawHeartbeat("gw-log-bad", ("{\"gateway_id\":\"" + SECRET).getBytes(StandardCharsets.UTF_8));
        f.online("bob", "phone", "gw-log", f.now());
        f.online("bob", "tablet", "gw-log-late", f.now());
        f.online("carol", "phone", "gw-log-bad", f.now());
        for (int d = 0; d < 200; d++) {
            f.online("dave", "device-" + d, "gw-log", f.now());
        }

        // Delivered with a not-ready gateway left out; pushed because the only gateway is unreadable.
        f.route(secret("m-late", "bob"));
        f.route(secret("m-unreadable", "carol"));
        // Too large for one record (dave's 200 devices), a processing failure, malformed, far over the limit.
        f.route(secret("m-large", "dave"));
        failNext.set(true);
        f.route(secret("m-fail", "bob"));
        f.routed.pipeInput("bob", ("{\"content\":\"" + SECRET).getBytes(StandardCharsets.UTF_8));
        f.routed.pipeInput("bob", ("{\"content\":\"" + SECRET.repeat(300_000) + "\"}")
                .getBytes(StandardCharsets.UTF_8));

        assertThat(f.dlq(TopicKind.ROUTED).readRecordsToList()).hasSize(4);
        List<ILoggingEvent> logged = appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO))
                .toList();
        assertThat(logged).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(m -> assertThat(m).contains("gateway gw-log-late is live but its topic is not ready"))
                .anySatisfy(m -> assertThat(m).contains("unreadable heartbeat", "gw-log-bad", "MALFORMED_JSON"))
                .anySatisfy(m -> assertThat(m).contains("routed record failed and is dead-lettered"))
                .anySatisfy(m -> assertThat(m).contains("reason=TOO_LARGE"))
                .anySatisfy(m -> assertThat(m).contains("reason=MALFORMED_JSON"))
                .anySatisfy(m -> assertThat(m).contains("reason=PROCESSING_ERROR"));
        assertThat(logged).allSatisfy(e -> {
            assertThat(e.getFormattedMessage()).doesNotContain(SECRET);
            for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                assertThat(String.valueOf(t.getMessage())).doesNotContain(SECRET);
            }
        });
    }

    private RoutedMessage secret(String messageId, String recipient) {
        UpstreamMessage m = new UpstreamMessage(messageId, "mallory", recipient, "conv-1", "hi " + SECRET, "text",
                Map.of("note", SECRET), "gw-a", "m-phone", f.now(), UpstreamMessage.CURRENT_VERSION, null, null);
        return RoutedMessage.to(recipient, new SequencedMessage(m, 1, f.now()), false, f.now());
    }
}
