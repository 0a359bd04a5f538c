package io.impipeline.worker.push;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.impipeline.model.wire.OfflinePushPayload;
import io.impipeline.worker.push.PushResult.Status;
import io.impipeline.worker.settings.WorkerProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The webhook provider against a local HTTP server: one request per batch; 2xx, 4xx, 5xx then 2xx, a timeout. */
class WebhookPushProviderTest {

    private static final PushBatch PUSH = PushBatch.of(new OfflinePushPayload(List.of("user-1", "user-2", "user-1"),
            "alice", "msg-1", "New message", "hi", "message", "conv-1"));

    private HttpServer server;
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicReference<String> lastBody = new AtomicReference<>();
    private final AtomicReference<String> lastKey = new AtomicReference<>();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        server.createContext("/ok", exchange -> answer(exchange, 202));
        server.createContext("/bad-request", exchange -> answer(exchange, 400));
        server.createContext("/too-many", exchange -> answer(exchange, 429));
        server.createContext("/flaky", exchange -> answer(exchange, calls.get() == 0 ? 503 : 200));
        server.createContext("/slow", exchange -> {
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(exchange, 200);
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void aBatchIsOneRequestListingItsUsersAndA2xxAnswerMeansSentForEachOfThem() {
        PushOutcome outcome = provider("/ok").send(PUSH);
        assertThat(calls).hasValue(1);
        assertThat(outcome.users(PUSH, Status.SENT)).containsExactly("user-1", "user-2");
        assertThat(lastBody.get()).contains("\"user_ids\":[\"user-1\",\"user-2\"]", "\"from_user_id\":\"alice\"",
                "\"message_id\":\"msg-1\"", "\"push_type\":\"message\"").doesNotContain("idempotency");
        assertThat(lastKey.get()).isEqualTo("push:alice:msg-1:user-1");
    }

    @Test
    void theRestOfABatchIsSentWithItsOwnIdempotencyKey() {
        PushBatch rest = PUSH.only(List.of("user-2"));
        provider("/ok").send(rest);
        assertThat(lastBody.get()).contains("\"user_ids\":[\"user-2\"]");
        assertThat(lastKey.get()).startsWith("push:alice:msg-1:user-1/").isEqualTo(rest.idempotencyKey())
                .isNotEqualTo(PUSH.idempotencyKey());
        assertThat(PUSH.only(List.of("user-2")).idempotencyKey()).isEqualTo(rest.idempotencyKey());
    }

    @Test
    void a4xxAnswerIsAPermanentRejection() {
        PushResult result = provider("/bad-request").send(PUSH).of("user-2");
        assertThat(result.status()).isEqualTo(Status.REJECTED);
        assertThat(result.detail()).contains("400");
    }

    @Test
    void tooManyRequestsIsRetriedNotRejected() {
        assertThat(provider("/too-many").send(PUSH).of("user-1").status()).isEqualTo(Status.FAILED);
    }

    @Test
    void a5xxAnswerIsRetriedAndTheNextAttemptIsSent() {
        WebhookPushProvider provider = provider("/flaky");
        assertThat(provider.send(PUSH).of("user-1").status()).isEqualTo(Status.FAILED);
        assertThat(provider.send(PUSH).of("user-1").status()).isEqualTo(Status.SENT);
        assertThat(calls).hasValue(2);
    }

    @Test
    void anAnswerSlowerThanTheReadTimeoutIsRetriedAndDoesNotWaitForIt() {
        long start = System.nanoTime();
        PushResult result = provider("/slow").send(PUSH).of("user-1");
        assertThat(result.status()).isEqualTo(Status.FAILED);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1400));
    }

    @Test
    void anUnreachableEndpointIsRetried() {
        WebhookPushProvider provider = new WebhookPushProvider(new WorkerProperties.Webhook(
                URI.create("http://localhost:1/push"), Duration.ofMillis(300), Duration.ofMillis(300), null));
        assertThat(provider.send(PUSH).of("user-1").status()).isEqualTo(Status.FAILED);
    }

    private WebhookPushProvider provider(String path) {
        return new WebhookPushProvider(new WorkerProperties.Webhook(
                URI.create("http://localhost:" + server.getAddress().getPort() + path), Duration.ofSeconds(1),
                Duration.ofMillis(400), "Bearer secret"));
    }

    private void answer(HttpExchange exchange, int status) throws IOException {
        lastBody.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        lastKey.set(exchange.getRequestHeaders().getFirst("Idempotency-Key"));
        calls.incrementAndGet();
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }
}
