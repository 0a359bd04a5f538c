package io.impipeline.dlq;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A stand-in for the downstream-dispatcher in the overview tests, one per test JVM: {@code GET /api/v1/gateways}
 * (only with the service token) and health endpoints that say DOWN / OUT_OF_SERVICE with a 503, as Spring Boot's do.
 * Plus a port where nothing listens, for an unreachable app.
 */
final class ConsoleStub {

    /** Heartbeat time of the live gateway: 2026-11-28T09:00:00Z. */
    static final long HEARTBEAT = 1_795_856_400_000L;
    static final String GATEWAYS = """
            [{"gateway_id":"gw-live","status":"up","state":"live","last_heartbeat":%d,"age_millis":5,
              "topic":"im-downstream-topic-gw-live","topic_ready":true,"problem":null},
             {"gateway_id":"gw-odd","status":null,"state":"unreadable","last_heartbeat":null,"age_millis":null,
              "topic":"im-downstream-topic-gw-odd","topic_ready":false,"problem":"not a heartbeat"}]
            """.formatted(HEARTBEAT);

    private static HttpServer server;
    private static int closedPort;

    private ConsoleStub() {
    }

    static synchronized String url() {
        if (server == null) {
            try {
                server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server.createContext("/api/v1/gateways", ex -> {
                if (DlqIntegrationSupport.TOKEN.equals(ex.getRequestHeaders().getFirst("X-Service-Token"))) {
                    answer(ex, 200, GATEWAYS);
                } else {
                    answer(ex, 401, "{\"error\":\"UNAUTHORIZED\",\"detail\":\"missing service token\"}");
                }
            });
            server.createContext("/actuator/health/readiness", ex -> answer(ex, 503, "{\"status\":\"OUT_OF_SERVICE\"}"));
            server.createContext("/actuator/health", ex -> {
                if (ex.getRequestURI().getPath().equals("/actuator/health")) {
                    answer(ex, 503, "{\"status\":\"DOWN\"}");
                } else {
                    answer(ex, 404, "{}");
                }
            });
            server.start();
        }
        return "http://localhost:" + server.getAddress().getPort();
    }

    /** A local URL where nothing listens (a port that was free a moment ago). */
    static synchronized String unreachableUrl() {
        if (closedPort == 0) {
            try (ServerSocket s = new ServerSocket(0)) {
                closedPort = s.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return "http://localhost:" + closedPort;
    }

    private static void answer(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }
}
