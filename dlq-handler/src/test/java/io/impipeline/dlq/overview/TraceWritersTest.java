package io.impipeline.dlq.overview;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.impipeline.dlq.settings.ConsoleProperties;
import io.impipeline.platform.web.Operator;
import io.impipeline.testkit.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.web.client.RestClient;

/** The console's list of trace writers against one app over HTTP (a JDK server playing its trace-writing endpoint). */
class TraceWritersTest {

    private static final Duration CACHE_TTL = Duration.ofSeconds(3);

    private final AtomicInteger asked = new AtomicInteger();
    private final AtomicBoolean writing = new AtomicBoolean(true);
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T00:00:00Z"));
    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private HttpServer app;
    private TraceWriters writers;

    @BeforeEach
    void start() throws IOException {
        app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        app.createContext("/api/v1/trace-writing", this::traceWriting);
        app.start();
        Map<String, String> apps = new LinkedHashMap<>();
        apps.put("task-worker", "http://127.0.0.1:" + app.getAddress().getPort());
        apps.put("dlq-handler", ConsoleProperties.SELF);
        ConsoleProperties console = new ConsoleProperties(apps, Duration.ofSeconds(1), CACHE_TTL, "", List.of(),
                Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofMinutes(1), Duration.ofHours(1),
                Duration.ofDays(7), 1440);
        RestClient http = RestClient.create();
        writers = new TraceWriters(new AppHealth(console, http, new StandardEnvironment(), pool), http, pool,
                "X-Service-Token", "token", CACHE_TTL, clock);
    }

    @AfterEach
    void stop() {
        app.stop(0);
        pool.shutdownNow();
    }

    @Test
    void theAppsAreAskedAtMostOncePerCacheTtlAndAgainRightAfterASwitch() {
        assertThat(writers.list()).extracting(TraceWriters.Writer::writing).containsExactly(true);
        clock.advance(CACHE_TTL.minusMillis(1));
        assertThat(writers.list()).extracting(TraceWriters.Writer::writing).containsExactly(true);
        assertThat(asked).as("asked once within cache-ttl").hasValue(1);

        writers.set("task-worker", false, Operator.API);
        int afterSwitch = asked.get();
        assertThat(writers.list()).as("the switch is seen at once").extracting(TraceWriters.Writer::writing)
                .containsExactly(false);
        assertThat(asked).hasValue(afterSwitch + 1);

        writing.set(true); // switched on the app directly: seen once the list is cache-ttl old
        clock.advance(CACHE_TTL.minusMillis(1));
        assertThat(writers.list()).extracting(TraceWriters.Writer::writing).containsExactly(false);
        clock.advance(Duration.ofMillis(1));
        assertThat(writers.list()).extracting(TraceWriters.Writer::writing).containsExactly(true);
        assertThat(asked).hasValue(afterSwitch + 2);
    }

    private void traceWriting(HttpExchange ex) throws IOException {
        try (ex) {
            if ("PUT".equals(ex.getRequestMethod())) {
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                writing.set(body.contains("true"));
            } else {
                asked.incrementAndGet();
            }
            byte[] answer = ("{\"enabled\":true,\"writing\":" + writing.get() + "}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, answer.length);
            ex.getResponseBody().write(answer);
        }
    }
}
