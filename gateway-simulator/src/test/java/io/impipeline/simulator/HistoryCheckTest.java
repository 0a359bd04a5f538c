package io.impipeline.simulator;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The history check against a stand-in for the task-worker's history API (same paths, parameters and JSON). */
class HistoryCheckTest {

    private HttpServer server;
    private String url;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private volatile int storedInC1 = 3;
    /** After this many requests the third row is stored (0: never). */
    private volatile int lateRowAfterRequests;
    private final DeliveryChecker checker = new DeliveryChecker();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/conversations/", this::history);
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
        for (int i = 1; i <= 3; i++) {
            checker.expectAccepted("m" + i, "u-a", "c1", null, false);
        }
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    /** Pages of 2 rows of conversation c1 ({@code storedInC1} of them), like the worker: seq > after_seq. */
    private void history(HttpExchange exchange) throws IOException {
        requests.add(exchange.getRequestURI().toString());
        if (lateRowAfterRequests > 0 && requests.size() >= lateRowAfterRequests) {
            storedInC1 = 3;
        }
        if (!"secret".equals(exchange.getRequestHeaders().getFirst("X-Service-Token"))) {
            respond(exchange, 401, "{\"error\":\"UNAUTHORIZED\",\"detail\":\"service token required\"}");
            return;
        }
        String query = exchange.getRequestURI().getQuery();
        long after = Long.parseLong(query.replaceAll(".*after_seq=(\\d+).*", "$1"));
        StringBuilder rows = new StringBuilder();
        int n = 0;
        for (long seq = after + 1; seq <= storedInC1 && n < 2; seq++, n++) {
            rows.append(n == 0 ? "" : ",").append("{\"message_id\":\"m").append(seq)
                    .append("\",\"conversation_id\":\"c1\",\"seq\":").append(seq)
                    .append(",\"from_user_id\":\"u-a\",\"content\":\"hi\",\"stored_at\":1}");
        }
        String next = n == 2 ? String.valueOf(after + 2) : "null";
        respond(exchange, 200, "{\"conversation_id\":\"c1\",\"messages\":[" + rows + "],\"next_after_seq\":" + next
                + "}");
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Test
    void readsEveryPageWithTheServiceTokenAndProvesEachMessagePersisted() throws InterruptedException {
        new HistoryCheck(url, "secret", checker).await(Duration.ofSeconds(5));
        assertThat(requests).containsExactly("/api/v1/conversations/c1/messages?after_seq=0&limit=200",
                "/api/v1/conversations/c1/messages?after_seq=2&limit=200");
        DeliveryChecker.Summary summary = checker.summary();
        assertThat(summary.persisted()).isEqualTo(3);
        assertThat(summary.rowsChecked()).isTrue();
        assertThat(summary.failures()).noneSatisfy(f -> assertThat(f).contains("PostgreSQL"));
    }

    @Test
    void readsAgainUntilALateRowArrives() throws InterruptedException {
        storedInC1 = 2;
        lateRowAfterRequests = 4;
        new HistoryCheck(url, "secret", checker).await(Duration.ofSeconds(30));
        assertThat(requests).hasSize(4);
        assertThat(checker.summary().persisted()).isEqualTo(3);
        assertThat(checker.conversationsAwaitingRows()).isEmpty();
    }

    @Test
    void namesWhatIsStillMissingWhenTheGracePeriodIsOver() throws InterruptedException {
        storedInC1 = 2;
        new HistoryCheck(url, "secret", checker).await(Duration.ofMillis(300));
        assertThat(checker.summary().failures()).anySatisfy(f -> assertThat(f)
                .contains("1 accepted messages without a row in PostgreSQL").contains("m3"));
    }

    @Test
    void aRefusedTokenStopsAtOnceAndIsReported() throws InterruptedException {
        new HistoryCheck(url, "wrong", checker).await(Duration.ofSeconds(30));
        assertThat(requests).hasSize(1);
        assertThat(checker.summary().failures()).anySatisfy(f -> assertThat(f).contains("HTTP 401"));
    }
}
