package io.impipeline.dlq;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A stand-in for the downstream-dispatcher in the overview tests, one per test JVM: {@code GET /api/v1/gateways}
 * (only with the service token), {@code GET|PUT /api/v1/trace-writing} (the same) and health endpoints that say
 * DOWN / OUT_OF_SERVICE with a 503, as Spring Boot's do; under {@link #TRACE_OFF} a writer started with trace off,
 * under {@link #PLAIN} an app without trace writing.
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
            // A writer of trace events, switched as the apps' TraceWritingController does; under TRACE_OFF one
            // started with im.trace.enabled=false. Any other path (PLAIN) answers 404: an app that writes none.
            server.createContext("/api/v1/trace-writing", ex -> traceWriting(ex, true));
            server.createContext(TRACE_OFF + "/api/v1/trace-writing", ex -> traceWriting(ex, false));
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

    /** Path prefix of a writer app started with trace off (its PUT to resume answers 409). */
    static final String TRACE_OFF = "/trace-off";
    /** Path prefix of an app without trace writing. */
    static final String PLAIN = "/plain";
    /** The stand-in dispatcher's trace writing, as switched. */
    static final AtomicBoolean WRITING = new AtomicBoolean(true);
    /** The {@code X-Operator} of the last switch the stand-in was sent. */
    static final AtomicReference<String> LAST_OPERATOR = new AtomicReference<>();

    private static void traceWriting(HttpExchange ex, boolean enabled) throws IOException {
        if (!DlqIntegrationSupport.TOKEN.equals(ex.getRequestHeaders().getFirst("X-Service-Token"))) {
            answer(ex, 401, "{\"error\":\"UNAUTHORIZED\",\"detail\":\"missing service token\"}");
            return;
        }
        if ("PUT".equals(ex.getRequestMethod())) {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).replace(" ", "");
            boolean writing = body.contains("\"writing\":true");
            if (!enabled) {
                if (writing) {
                    answer(ex, 409, "{\"error\":\"TRACE_NOT_ENABLED\",\"detail\":\"im.trace.enabled is false\"}");
                    return;
                }
            } else {
                LAST_OPERATOR.set(ex.getRequestHeaders().getFirst("X-Operator"));
                WRITING.set(writing);
            }
        }
        answer(ex, 200, "{\"enabled\":" + enabled + ",\"writing\":" + (enabled && WRITING.get()) + "}");
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
