package io.impipeline.simulator;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

import io.impipeline.model.codec.WireJson;
import io.impipeline.simulator.DeliveryChecker.StoredRow;
import tools.jackson.databind.JsonNode;

/**
 * Proves persistence the way a client would see it: reads each conversation of the run from the task-worker's
 * history API ({@code GET /api/v1/conversations/{id}/messages?after_seq=&limit=}, paged by {@code next_after_seq},
 * service token in {@code X-Service-Token}) and hands the rows to the {@link DeliveryChecker}. Conversations still
 * missing a message are read again until the grace period is over.
 */
final class HistoryCheck {

    static final String TOKEN_HEADER = "X-Service-Token";
    /** The history API's default {@code max-limit}; a worker configured lower answers 400 and gets its default. */
    static final int PAGE_SIZE = 200;
    private static final int PARALLEL_READS = 4;
    private static final Duration AGAIN_AFTER = Duration.ofMillis(500);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final String workerUrl;
    private final String serviceToken;
    private final DeliveryChecker checker;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicBoolean refused = new AtomicBoolean();
    private volatile boolean pageSizeRefused;

    HistoryCheck(String workerUrl, String serviceToken, DeliveryChecker checker) {
        this.workerUrl = workerUrl;
        this.serviceToken = serviceToken;
        this.checker = checker;
        checker.useHistory(workerUrl);
    }

    /**
     * Reads every conversation once, then again those that still lack a message, until none does or {@code grace}
     * is over. Stops early when the service token is refused (reading again would not help).
     */
    void await(Duration grace) throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL_READS);
        try {
            Set<String> pending = checker.conversationsAwaitingRows();
            while (!pending.isEmpty()) {
                List<Callable<Void>> reads = new ArrayList<>();
                for (String conversation : pending) {
                    reads.add(() -> {
                        if (!refused.get()) {
                            read(conversation);
                        }
                        return null;
                    });
                }
                pool.invokeAll(reads);
                pending = checker.conversationsAwaitingRows();
                if (refused.get() || System.nanoTime() >= deadline) {
                    return;
                }
                if (!pending.isEmpty()) {
                    Thread.sleep(AGAIN_AFTER.toMillis());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Every row of one conversation, page by page. */
    void read(String conversation) {
        List<StoredRow> rows = new ArrayList<>();
        long after = 0;
        try {
            while (true) {
                HttpResponse<String> response = http.send(request(conversation, after),
                        HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status == 400 && !pageSizeRefused) {
                    pageSizeRefused = true;
                    continue;
                }
                if (status != 200) {
                    if (status == 401 || status == 403) {
                        refused.set(true);
                    }
                    checker.onHistoryError(conversation, "HTTP " + status + " " + abbreviate(response.body()));
                    return;
                }
                JsonNode page = WireJson.mapper().readTree(response.body());
                for (JsonNode m : page.path("messages")) {
                    rows.add(new StoredRow(m.path("message_id").asString(), m.path("from_user_id").asString(),
                            m.path("seq").asLong()));
                }
                JsonNode next = page.path("next_after_seq");
                if (next.isNull() || next.isMissingNode() || next.asLong() <= after) {
                    break;
                }
                after = next.asLong();
            }
            checker.onHistory(conversation, rows);
        } catch (IOException | RuntimeException e) {
            checker.onHistoryError(conversation, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private HttpRequest request(String conversation, long after) {
        String path = "/api/v1/conversations/" + URLEncoder.encode(conversation, StandardCharsets.UTF_8)
                .replace("+", "%20") + "/messages?after_seq=" + after + (pageSizeRefused ? "" : "&limit=" + PAGE_SIZE);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(workerUrl + path)).timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json").GET();
        if (!serviceToken.isEmpty()) {
            request.header(TOKEN_HEADER, serviceToken);
        }
        return request.build();
    }

    private static String abbreviate(String body) {
        String flat = body == null ? "" : body.replaceAll("\\s+", " ");
        return flat.length() <= 200 ? flat : flat.substring(0, 200) + "...";
    }
}
