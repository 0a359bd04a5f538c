package io.impipeline.router.topology;

import io.impipeline.platform.kafka.RecordSizeGuard;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.impipeline.model.ImHeaders;
import io.impipeline.model.tasks.TaskKeyStrategy;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.router.settings.RouterProperties;
import io.impipeline.testkit.Messages;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import static io.impipeline.router.topology.RouterDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12: every record the router refuses, skips or fails on is counted and logged, and no log line at INFO or
 * above quotes what the sender wrote. The secret is in the content and the metadata of each hostile record.
 */
class HostileRecordLoggingTest {

    private static final String SECRET = "SECRET-7f3a9c";

    @TempDir
    Path stateDir;

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    @BeforeEach
    void capture() {
        appender.start();
        root.addAppender(appender);
    }

    @AfterEach
    void release() {
        root.detachAppender(appender);
    }

    private static UpstreamMessage secret(String id, String conversation, String group) {
        return new UpstreamMessage(id, "mallory", group == null ? "bob" : null, conversation, "hi " + SECRET,
                "text", Map.of("note", SECRET), "gateway_001", null, T0.toEpochMilli(), "1.0", group, null);
    }

    @Test
    void refusedSkippedAndFailedRecordsAreLoggedWithoutTheirContent() {
        DeadLetterTest.FailingClock clock = new DeadLetterTest.FailingClock();
        RouterProperties properties = RouterProperties.defaults().withSmallGroupMax(5_000);
        List<String> members = IntStream.range(0, 4_000).mapToObj(i -> "member_" + "m".repeat(100) + i).toList();
        try (RouterDriver router = new RouterDriver(stateDir, properties, TaskKeyStrategy.TASK_TYPE, clock, null,
                RecordSizeGuard.forMaxRequestSize(32 * 1024))) {
            router.group("big", members);
            // Admission: too large (content over the lowered limit), unknown group.
            Map<String, Object> large = new LinkedHashMap<>(Messages.textJson());
            large.put("content", SECRET + "x".repeat(30_000));
            large.put("metadata", Map.of("padding", SECRET.repeat(500)));
            router.sendRaw("mallory", Messages.bytes(large));
            router.send(secret("unknown", "conv_1", "nobody"));
            // Route: a batch over the limit, an exception while building.
            router.send(secret("batch", "conv_2", "big"));
            clock.failing = true;
            router.send(secret("boom", "conv_3", null));
            clock.failing = false;
            // A replayed duplicate; a dead letter cut to fit.
            router.send(secret("twice", "conv_4", null));
            RecordHeaders replay = new RecordHeaders();
            replay.add(ImHeaders.REPLAY_COUNT, "1".getBytes(StandardCharsets.UTF_8));
            router.sendRaw("mallory", Messages.bytes(secret("twice", "conv_4", null)), replay);
            // Not the validator's MALFORMED_JSON detail for a bare token: it quotes the token (see the report).
            router.sendRaw("mallory", ("{\"content\":\"" + SECRET.repeat(20_000)).getBytes(StandardCharsets.UTF_8));

            assertThat(router.deadLetters()).extracting(RouterDriver::reasonOf).containsExactlyInAnyOrder(
                    "TOO_LARGE", "UNKNOWN_GROUP", "TOO_LARGE", "PROCESSING_ERROR", "MALFORMED_JSON");
            assertThat(router.metrics.deadLettersCut()).isEqualTo(2);
        }

        List<ILoggingEvent> logged = appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO))
                .toList();
        assertThat(logged).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(m -> assertThat(m).contains("PROCESSING_ERROR"))
                .anySatisfy(m -> assertThat(m).contains("replayed dead letter dropped as a duplicate"))
                .anySatisfy(m -> assertThat(m).contains("over the record limit", "cut"));
        assertThat(logged).allSatisfy(e -> {
            assertThat(e.getFormattedMessage()).doesNotContain(SECRET);
            for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                assertThat(t.getMessage()).doesNotContain(SECRET);
            }
        });
    }
}
