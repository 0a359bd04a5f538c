package io.impipeline.launcher.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.impipeline.launcher.LocalPipeline;

/**
 * {@code bench/run --trace-overhead --switched} (issue 15): trace on and off inside one running pipeline, switched
 * through each writer's {@code PUT /api/v1/trace-writing} between saturation passes. The passes of a pair then share
 * the JVMs, their compiled code, the broker's logs and the router's RocksDB files, which were taken for most of the
 * difference between two identical runs (docs/benchmarks.md, sessions 15-16). Measured (session 17), one pair in one
 * pipeline scatters as much as two pipelines did: the noise is from pass to pass, so pool many pairs either way.
 */
final class TraceWriting {

    /** The apps that write trace events; the dlq-handler stores them and runs in both states. */
    static final List<String> WRITERS = List.of("upstream-router", "downstream-dispatcher", "task-worker");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    private TraceWriting() {
    }

    /**
     * The passes of one pipeline, in order: on and off once each to compile both paths (not counted), then
     * {@code pairs} pairs, on-off and off-on alternating (ABBA), so that a drift along the run (the stores grow with
     * every pass) falls on both states alike.
     */
    static List<Pass> schedule(int pairs) {
        List<Pass> passes = new ArrayList<>(List.of(new Pass("on", false), new Pass("off", false)));
        for (int i = 0; i < pairs; i++) {
            boolean onFirst = i % 2 == 0;
            passes.add(new Pass(onFirst ? "on" : "off", true));
            passes.add(new Pass(onFirst ? "off" : "on", true));
        }
        return passes;
    }

    /** One saturation pass: its state ({@code on} / {@code off}) and whether it counts in the ratios. */
    record Pass(String variant, boolean counted) {

        boolean writing() {
            return variant.equals("on");
        }
    }

    /** Pauses or resumes every writer; fails unless each answers that it now does as asked. */
    static void set(LocalPipeline pipeline, boolean writing) throws IOException, InterruptedException {
        for (String module : WRITERS) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(pipeline.url(module) + "/api/v1/trace-writing"))
                    .timeout(TIMEOUT).header("X-Service-Token", pipeline.serviceToken())
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"writing\": " + writing + "}")).build();
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200 || !response.body().replace(" ", "").contains("\"writing\":" + writing)) {
                throw new IllegalStateException(module + " did not switch trace writing to " + writing + ": HTTP "
                        + response.statusCode() + " " + response.body());
            }
        }
    }
}
