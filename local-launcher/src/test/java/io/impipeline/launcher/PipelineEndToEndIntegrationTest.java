package io.impipeline.launcher;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import io.impipeline.launcher.console.ConsoleBrowser;
import io.impipeline.launcher.console.ConsolePage;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.Tasks;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.model.wire.Task;
import io.impipeline.model.wire.TaskType;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.simulator.DeliveryChecker;
import io.impipeline.simulator.ProgressLine;
import io.impipeline.simulator.Simulation;
import io.impipeline.simulator.SimulationSettings;
import io.impipeline.testkit.KafkaTestClients;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole pipeline as in production, on one machine: a KRaft broker process, PostgreSQL, the four apps each in its
 * own JVM with its own application.yml, and the gateway simulator checking every delivery. Then what an operator
 * sees afterwards: the bad records in the dead-letter store, the history in order, and a replay that changes
 * nothing because the message was already processed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(LaunchedPipeline.class)
@Order(1) // first on the shared pipeline: its dead-letter checks expect only what it sent
class PipelineEndToEndIntegrationTest {

    static final String TOKEN = LaunchedPipeline.TOKEN;
    static final Duration WAIT = Duration.ofSeconds(60);
    static LocalPipeline pipeline;
    static Simulation simulation;
    static DeliveryChecker.Summary summary;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String OPERATOR = "e2e-operator";
    static ConsoleBrowser browser;
    static ConsolePage console;
    /** What the checker knew when the run's after-deliveries hook ran (where a benchmark's CPU window ends). */
    static boolean completeAfterDeliveries;
    static int awaitingRowsAfterDeliveries;

    @BeforeAll
    static void simulate(LocalPipeline launched) throws Exception {
        pipeline = launched;
        SimulationSettings settings = SimulationSettings.builder(pipeline.bootstrapServers())
                .gateways(2).users(60).maxDevices(2).offlineShare(0.15).churnUsers(4)
                .smallGroups(3).largeGroupSize(30).groupShare(0.25)
                .rate(20).duration(Duration.ofSeconds(15))
                .duplicateShare(0.05).badShare(0.03).scheduledShare(0.03)
                .drainTimeout(Duration.ofSeconds(90)).seed(7)
                .workerUrl(pipeline.url("task-worker")).serviceToken(TOKEN)
                .build();
        simulation = new Simulation(settings);
        summary = simulation.run(p -> System.out.println(ProgressLine.of(p)), Duration.ofSeconds(3), () -> {
            completeAfterDeliveries = simulation.checker().complete();
            awaitingRowsAfterDeliveries = simulation.checker().conversationsAwaitingRows().size();
        });
        System.out.print(summary.render());
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    static HttpResponse<String> fetch(String app, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(pipeline.url(app) + path))
                .header("X-Service-Token", TOKEN).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode get(String app, String path) throws Exception {
        HttpResponse<String> response = fetch(app, path);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return WireJson.mapper().readTree(response.body());
    }

    /** Polls until the resource exists (the pipeline is asynchronous), then returns it. */
    static JsonNode awaitFound(String app, String path) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (fetch(app, path).statusCode() == 404 && System.nanoTime() < deadline) {
            Thread.sleep(500);
        }
        return get(app, path);
    }

    static JsonNode post(String app, String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(pipeline.url(app) + path))
                .header("X-Service-Token", TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return WireJson.mapper().readTree(response.body());
    }

    static JsonNode put(String app, String path, String json) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(pipeline.url(app) + path))
                .header("X-Service-Token", TOKEN).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return WireJson.mapper().readTree(response.body());
    }

    static JsonNode await(String app, String path, Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode last = get(app, path);
        while (!done.test(last) && System.nanoTime() < deadline) {
            Thread.sleep(500);
            last = get(app, path);
        }
        return last;
    }

    @Test
    @Order(1)
    void simulatedGatewaysReceiveEveryMessageOnceInOrderWithDuplicatesBadRecordsScheduledAndALargeGroup() {
        assertThat(summary.failures()).isEmpty();
        assertThat(summary.progress().delivered()).isPositive();
        assertThat(summary.progress().badSent()).isPositive();
        assertThat(summary.progress().duplicatesSent()).isPositive();
        assertThat(summary.progress().pushes()).isPositive();
        assertThat(summary.scheduledMessages()).isPositive();
    }

    @Test
    @Order(1)
    void theAfterDeliveriesHookRunsOnceEverythingArrivedAndBeforeAnyRowIsRead() {
        assertThat(completeAfterDeliveries).isTrue();
        assertThat(awaitingRowsAfterDeliveries).as("conversations not yet read from the history API")
                .isEqualTo(simulation.checker().conversations().size()).isPositive();
        assertThat(simulation.checker().conversationsAwaitingRows()).isEmpty();
    }

    @Test
    @Order(2)
    void badRecordsAreKeptByTheDlqHandlerWithTheirReasons() throws Exception {
        long bad = summary.progress().badSent();
        JsonNode page = await("dlq-handler", "/api/v1/dead-letters?original_topic=im-upstream-topic&limit=200",
                p -> p.get("items").size() >= bad);
        List<String> reasons = new ArrayList<>();
        page.get("items").forEach(i -> reasons.add(i.get("reason").stringValue()));
        assertThat(reasons).hasSizeGreaterThanOrEqualTo((int) bad)
                .allSatisfy(r -> assertThat(r).isIn(ReasonCode.MALFORMED_JSON.name(), ReasonCode.MISSING_FIELD.name()));
    }

    @Test
    @Order(3)
    void historyApiReturnsAConversationInSeqOrder() throws Exception {
        Map<String, List<UpstreamMessage>> byConversation = simulation.sentMessages().stream()
                .filter(m -> m.deliverAt() == null)
                .collect(Collectors.groupingBy(UpstreamMessage::conversationId));
        String conversation = byConversation.entrySet().stream().max(Map.Entry.comparingByValue(
                (a, b) -> Integer.compare(a.size(), b.size()))).orElseThrow().getKey();
        int expected = (int) simulation.sentMessages().stream()
                .filter(m -> m.conversationId().equals(conversation)).count();
        JsonNode page = await("task-worker", "/api/v1/conversations/" + conversation + "/messages?after_seq=0&limit=200",
                p -> p.get("messages").size() >= expected);
        List<Long> seqs = new ArrayList<>();
        page.get("messages").forEach(m -> seqs.add(m.get("seq").longValue()));
        assertThat(seqs).hasSize(expected).isSorted().doesNotHaveDuplicates();
        assertThat(seqs.get(seqs.size() - 1) - seqs.get(0) + 1).isEqualTo(expected);
    }

    static boolean isReplay(ConsumerRecord<String, byte[]> r) {
        return r.headers().lastHeader(io.impipeline.model.ImHeaders.REPLAY_COUNT) != null;
    }

    @Test
    @Order(4)
    void replayingAnAlreadyProcessedMessageDeliversAndStoresNothingTwice() throws Exception {
        UpstreamMessage done = simulation.sentMessages().stream().filter(m -> m.deliverAt() == null
                && m.toUserId() != null).findFirst().orElseThrow();
        // An operator finds this message in the DLQ (say a transient failure after it was processed) and replays it.
        ProducerRecord<String, byte[]> letter = new ProducerRecord<>("im-upstream-topic-dlq", done.fromUserId(),
                WireJson.toBytes(done));
        DeadLetterHeaders.stamp(letter.headers(), new DeadLetterHeaders.Origin("im-upstream-topic", 0, 0, 0L),
                "upstream-router", ReasonCode.PROCESSING_ERROR, "java.lang.IllegalStateException", "e2e");
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(pipeline.bootstrapServers())) {
            producer.send(letter).get();
        }
        JsonNode page = await("dlq-handler", "/api/v1/dead-letters?reason=PROCESSING_ERROR",
                p -> p.get("items").size() >= 1);
        long id = page.get("items").get(0).get("id").longValue();
        JsonNode replayed = post("dlq-handler", "/api/v1/dead-letters/" + id + "/replay");
        assertThat(replayed.get("status").stringValue()).isEqualTo("REPLAYED");

        // The replay reached the router's input with its replay count ...
        List<ConsumerRecord<String, byte[]>> upstream = KafkaTestClients.readUntil(pipeline.bootstrapServers(),
                List.of("im-upstream-topic"), r -> r.stream().anyMatch(PipelineEndToEndIntegrationTest::isReplay),
                WAIT);
        assertThat(upstream.stream().filter(PipelineEndToEndIntegrationTest::isReplay)
                .map(r -> WireJson.fromBytes(r.value(), UpstreamMessage.class).messageId())).contains(done.messageId());

        // ... and the router dropped the repeat: one persist task and one stored row for this message, ever.
        Thread.sleep(5_000);
        List<ConsumerRecord<String, byte[]>> tasks = KafkaTestClients.readUntil(pipeline.bootstrapServers(),
                List.of("im-task-topic"), r -> false, Duration.ofSeconds(10));
        long persistTasks = tasks.stream().map(r -> WireJson.fromBytes(r.value(), Task.class))
                .filter(t -> t.taskType() == TaskType.PERSIST_MESSAGE)
                .filter(t -> Tasks.persistPayload(t).message().messageId().equals(done.messageId())).count();
        assertThat(persistTasks).isEqualTo(1);
        JsonNode stored = get("task-worker", "/api/v1/messages/" + done.fromUserId() + "/" + done.messageId());
        assertThat(stored.get("message_id").stringValue()).isEqualTo(done.messageId());
    }

    @Test
    @Order(5)
    void oneMessageKeepsItsTraceIdOnUpstreamRoutedDownstreamAndThePersistedRow() throws Exception {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        UpstreamMessage sent = simulation.sentMessages().stream().filter(m -> m.deliverAt() == null
                && m.toUserId() != null && simulation.population().isOnline(m.toUserId())
                && simulation.population().isStable(m.toUserId())).findFirst().orElseThrow();
        UpstreamMessage traced = new UpstreamMessage("trace-" + sent.messageId(), sent.fromUserId(), sent.toUserId(),
                sent.conversationId(), "traced", "text", Map.of(), sent.gatewayId(), sent.deviceId(),
                System.currentTimeMillis(), UpstreamMessage.CURRENT_VERSION, null, null);
        ProducerRecord<String, byte[]> upstream = new ProducerRecord<>("im-upstream-topic", traced.fromUserId(),
                WireJson.toBytes(traced));
        upstream.headers().add(io.impipeline.model.ImHeaders.TRACEPARENT,
                ("00-" + traceId + "-00f067aa0ba902b7-01").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(pipeline.bootstrapServers())) {
            producer.send(upstream).get();
        }
        Predicate<ConsumerRecord<String, byte[]>> isTraced = r -> new String(r.value(),
                java.nio.charset.StandardCharsets.UTF_8).contains("\"message_id\":\"" + traced.messageId() + "\"");
        String gatewayTopic = "im-downstream-topic-" + simulation.population().devices(traced.toUserId()).get(0)
                .gatewayId();
        for (String topic : List.of("im-routed-topic", gatewayTopic)) {
            List<ConsumerRecord<String, byte[]>> records = KafkaTestClients.readUntil(pipeline.bootstrapServers(),
                    List.of(topic), r -> r.stream().anyMatch(isTraced), WAIT);
            ConsumerRecord<String, byte[]> hop = records.stream().filter(isTraced).findFirst().orElseThrow(
                    () -> new AssertionError("the traced message never reached " + topic));
            assertThat(io.impipeline.model.ImHeaders.traceId(hop.headers())).as(topic).isEqualTo(traceId);
        }
        JsonNode row = awaitFound("task-worker", "/api/v1/messages/" + traced.fromUserId() + "/"
                + traced.messageId());
        assertThat(row.get("trace_id").stringValue()).isEqualTo(traceId);
    }

    // ------------------------------------------------------------------------------------------------------------
    // The operations console in a real browser (headless Chromium), against this pipeline. Screenshots of each page
    // with -Dconsole.screenshots=<dir> (docs/console/*.png).

    /** The browser, started once for the console steps; the steps are skipped without Debian's chromedriver. */
    static ConsolePage console() {
        Assumptions.assumeTrue(ConsoleBrowser.available(), "the console's browser steps need Debian's chromium and "
                + "chromium-driver (" + ConsoleBrowser.CHROMEDRIVER + " is absent; .ci/run installs them)");
        if (browser == null) {
            browser = ConsoleBrowser.start();
            console = new ConsolePage(browser.driver(), pipeline.url("dlq-handler"), WAIT);
        }
        return console;
    }

    @Test
    @Order(10)
    void consoleRefusesAWrongTokenThenLogsInWithTheTokenKeptInTheTabSessionOnly() {
        ConsolePage page = console().open();
        assertThat(page.loginFormShown()).isTrue();
        page.logIn(OPERATOR, "not-the-token");
        assertThat(page.awaitLoginMessage("token refused")).contains("token refused");
        assertThat(page.loginFormShown()).as("a wrong token stays on the login form").isTrue();
        assertThat(page.sessionStorage("im-console.token")).isNull();
        browser.screenshot("login");

        page.logIn(OPERATOR, TOKEN);
        page.awaitLoggedIn();
        page.awaitPage("overview");
        assertThat(page.operatorShown()).isEqualTo(OPERATOR);
        assertThat(page.url()).doesNotContain(TOKEN);
        assertThat(page.allStoredValues("sessionStorage")).contains(TOKEN);
        assertThat(page.allStoredValues("localStorage")).isEmpty();
    }

    @Test
    @Order(11)
    void consoleOverviewShowsTheFourAppsUpAndReady() {
        ConsolePage page = console();
        page.go("overview");
        Map<String, String> apps = page.awaitAppsUp(List.of("upstream-router", "downstream-dispatcher",
                "task-worker", "dlq-handler"));
        assertThat(apps).hasSize(4);
        browser.screenshot("overview");
    }

    @Test
    @Order(12)
    void consoleFindsInspectsAndReplaysADeadLetterWhoseTraceThenShowsTheReplay() throws Exception {
        ConsolePage page = console();
        // A message that failed before the router saw it (say a transient error upstream): its dead letter carries
        // the message and where it came from. Replayed, it goes through the pipeline as if new.
        UpstreamMessage sent = simulation.sentMessages().stream().filter(m -> m.deliverAt() == null
                && m.toUserId() != null).findFirst().orElseThrow();
        UpstreamMessage failed = new UpstreamMessage("console-" + sent.messageId(), sent.fromUserId(),
                sent.toUserId(), sent.conversationId(), "replayed from the console", "text", Map.of(),
                sent.gatewayId(), sent.deviceId(), System.currentTimeMillis(), UpstreamMessage.CURRENT_VERSION, null,
                null);
        ProducerRecord<String, byte[]> letter = new ProducerRecord<>("im-upstream-topic-dlq", failed.fromUserId(),
                WireJson.toBytes(failed));
        DeadLetterHeaders.stamp(letter.headers(), new DeadLetterHeaders.Origin("im-upstream-topic", 0, 0,
                failed.timestamp()), "upstream-router", ReasonCode.PROCESSING_ERROR,
                "java.lang.IllegalStateException", "e2e: failed before processing");
        try (KafkaProducer<String, byte[]> producer = KafkaTestClients.producer(pipeline.bootstrapServers())) {
            producer.send(letter).get();
        }
        await("dlq-handler", "/api/v1/dead-letters?message_id=" + failed.messageId(),
                p -> p.get("items").size() >= 1);

        page.go("dead-letters");
        long id = page.findDeadLetter(failed.messageId());
        browser.screenshot("dead-letters");

        ConsolePage.DeadLetterView view = page.inspect(id);
        assertThat(view.messageId()).isEqualTo(failed.messageId());
        assertThat(view.reason()).isEqualTo("PROCESSING_ERROR");
        assertThat(view.stage()).isEqualTo("upstream-router");
        assertThat(view.status()).isEqualTo("NEW");
        assertThat(view.headers()).containsEntry(DeadLetterHeaders.DLT_ORIGINAL_TOPIC, "im-upstream-topic")
                .containsEntry(DeadLetterHeaders.DLT_ORIGINAL_OFFSET, "0")
                .containsEntry(DeadLetterHeaders.DLT_EXCEPTION_MESSAGE, "e2e: failed before processing");
        browser.screenshot("dead-letter");

        assertThat(page.askToReplay()).contains("Replay dead letter " + id, failed.messageId(), "im-upstream-topic");
        browser.screenshot("replay-confirmation");
        page.confirm();
        page.awaitDeadLetterStatus("REPLAYED");

        page.openTraceOfInspected();
        // The page refreshes itself: the replay appears, and then the router accepting the replayed message (it was
        // never sent upstream otherwise; by time, accepted may sort before replayed: two apps' clocks), and its
        // history row (persisted: read from the task-worker's table, not a trace event).
        List<String> stages = page.awaitTraceStages(s -> s.contains("replayed") && s.contains("accepted")
                && s.contains("persisted"), WAIT);
        assertThat(stages).contains("dead_lettered", "routed");
        assertThat(stages.indexOf("accepted")).as("accepted (carried by routed, carried by the dispatcher's event) "
                + "before routed: " + stages)
                .isLessThan(stages.indexOf("routed"));
        assertThat(stages.indexOf("dead_lettered")).as("dead-lettered before replayed: " + stages)
                .isLessThan(stages.indexOf("replayed"));
        browser.screenshot("trace");

        // The replay went through: the message is in the history now.
        JsonNode row = awaitFound("task-worker", "/api/v1/messages/" + failed.fromUserId() + "/"
                + failed.messageId());
        assertThat(row.get("message_id").stringValue()).isEqualTo(failed.messageId());

        page.go("audit");
        List<ConsolePage.AuditLine> audit = page.awaitAuditLine(a -> OPERATOR.equals(a.actor())
                && a.action().toLowerCase(java.util.Locale.ROOT).contains("replay")
                && a.target().contains(String.valueOf(id)));
        assertThat(audit).isNotEmpty();
    }

    @Test
    @Order(13)
    void consolePausesAndResumesTheDispatchersTraceWritingWhichTheTracePageAndTheAuditLogShow() throws Exception {
        ConsolePage page = console();
        page.go("overview");
        page.awaitTraceWriting("downstream-dispatcher", "WRITING");
        page.awaitTraceWriting("upstream-router", "WRITING");
        page.awaitTraceWriting("task-worker", "WRITING");
        assertThat(page.askToSwitchTraceWriting("downstream-dispatcher"))
                .contains("Pause message trace writing on downstream-dispatcher?");
        page.confirm();
        try {
            page.awaitTraceWriting("downstream-dispatcher", "PAUSED");
            assertThat(get("downstream-dispatcher", "/api/v1/trace-writing").get("writing").asBoolean())
                    .as("the dispatcher itself paused").isFalse();
            browser.screenshot("trace-writing");
            page.go("trace");
            assertThat(page.awaitTraceWritingPausedNote()).contains("paused on downstream-dispatcher");
            page.go("overview");
            page.awaitTraceWriting("downstream-dispatcher", "PAUSED");
            assertThat(page.askToSwitchTraceWriting("downstream-dispatcher"))
                    .contains("Resume message trace writing on downstream-dispatcher?");
            page.confirm();
            page.awaitTraceWriting("downstream-dispatcher", "WRITING");
        } finally {
            // The pipeline is shared with later tests, which expect the dispatcher's events.
            if (!get("downstream-dispatcher", "/api/v1/trace-writing").get("writing").asBoolean()) {
                put("downstream-dispatcher", "/api/v1/trace-writing", "{\"writing\": true}");
            }
        }
        assertThat(get("downstream-dispatcher", "/api/v1/trace-writing").get("writing").asBoolean()).isTrue();
        page.go("trace");
        assertThat(page.traceWritingPausedNoteShown()).as("no note once every writer writes").isFalse();
        page.go("audit");
        page.awaitAuditLine(a -> OPERATOR.equals(a.actor()) && "trace_writing".equals(a.action())
                && "downstream-dispatcher".equals(a.target()));
        assertThat(page.awaitAuditLine(a -> true).stream()
                .filter(a -> "trace_writing".equals(a.action()) && OPERATOR.equals(a.actor())))
                .as("paused and resumed").hasSize(2);
    }

    @Test
    @Order(14)
    void consoleStartsATopicReplayFollowsItAndLogsOut() {
        ConsolePage page = console();
        page.go("replays");
        // The first record of each partition of the upstream dead-letter topic, back to the router (which
        // dead-letters the bad ones again: harmless, and the last step of this test).
        assertThat(page.askToStartTopicReplay("im-upstream-topic-dlq", "im-upstream-topic", 0, 1, 10))
                .contains("Copy offsets 0 to 1 of im-upstream-topic-dlq", "into im-upstream-topic");
        page.confirm();
        assertThat(page.awaitStartedTopicReplay("COMPLETED")).contains("im-upstream-topic-dlq → im-upstream-topic");
        browser.screenshot("replays");
        page.go("audit");
        page.awaitAuditLine(a -> OPERATOR.equals(a.actor()) && "topic_replay_start".equals(a.action()));
        browser.screenshot("audit");

        page.logOut();
        assertThat(page.loginFormShown()).isTrue();
        assertThat(page.allStoredValues("sessionStorage")).doesNotContain(TOKEN);
    }
}
