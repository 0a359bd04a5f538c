package io.impipeline.launcher.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where an app's CPU goes, from a JFR recording ({@code bench/profile} makes them): the share of execution samples
 * per area (inclusive: a sample counts for every area on its stack, so the shares add up to more than 100 %), and the
 * hottest methods by self time. JDK 17 has no {@code jfr view}; this is the few lines of it the report needs.
 */
public final class JfrHotSpots {

    /** Areas by package prefix, in the order they are tried for a frame; the first match names the frame's area. */
    static final Map<String, List<String>> AREAS = areas();
    /**
     * Our classes named for the message trace (issue 15: {@code MessageTrace}, {@code DispatchTraces},
     * {@code TraceRecords}, {@code TraceRepository}...), apart from the rest of ours: what building, encoding and
     * storing trace events costs where it runs in them ({@code StreamTracing}, the W3C context, is not one of them).
     */
    static final String MESSAGE_TRACE = "im-pipeline: message trace";
    private static final String PIPELINE = "io.impipeline.";

    private static Map<String, List<String>> areas() {
        Map<String, List<String>> areas = new LinkedHashMap<>();
        areas.put("JSON (Jackson)", List.of("tools.jackson.", "com.fasterxml.jackson."));
        areas.put("RocksDB", List.of("org.rocksdb."));
        areas.put("Kafka Streams", List.of("org.apache.kafka.streams."));
        areas.put("Kafka metrics", List.of("org.apache.kafka.common.metrics.", "org.apache.kafka.common.telemetry."));
        areas.put("Kafka clients (network, records, compression)", List.of("org.apache.kafka.clients.",
                "org.apache.kafka.common.", "net.jpountz."));
        areas.put("PostgreSQL/JDBC", List.of("org.postgresql.", "com.zaxxer.hikari.", "org.springframework.jdbc."));
        areas.put("Micrometer/tracing", List.of("io.micrometer.", "io.opentelemetry."));
        areas.put("Spring", List.of("org.springframework."));
        areas.put("im-pipeline", List.of("io.impipeline."));
        areas.put("logging", List.of("ch.qos.logback.", "org.slf4j."));
        return areas;
    }

    private JfrHotSpots() {
    }

    public static void main(String[] args) throws IOException {
        for (String file : args) {
            System.out.println(report(Path.of(file), 15));
        }
    }

    static String report(Path recording, int top) throws IOException {
        Map<String, Integer> inclusive = new TreeMap<>();
        Map<String, Integer> self = new LinkedHashMap<>();
        int samples = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedStackTrace stack = event.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            samples++;
            Set<String> seen = new HashSet<>();
            for (RecordedFrame frame : stack.getFrames()) {
                String area = areaOf(frame.getMethod().getType().getName());
                if (area != null && seen.add(area)) {
                    inclusive.merge(area, 1, Integer::sum);
                }
            }
            RecordedFrame topFrame = stack.getFrames().get(0);
            self.merge(topFrame.getMethod().getType().getName() + "." + topFrame.getMethod().getName(), 1,
                    Integer::sum);
        }
        StringBuilder out = new StringBuilder("## " + recording.getFileName() + ": " + samples
                + " execution samples\n\n| area (inclusive) | share of samples |\n|---|---:|\n");
        int total = Math.max(1, samples);
        inclusive.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .forEach(e -> out.append(String.format("| %s | %.1f %% |%n", e.getKey(), 100.0 * e.getValue() / total)));
        out.append("\n| hottest methods (self) | share |\n|---|---:|\n");
        out.append(self.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(top).map(e -> String.format("| `%s` | %.1f %% |", e.getKey(), 100.0 * e.getValue() / total))
                .collect(Collectors.joining("\n")));
        return out.append('\n').toString();
    }

    static String areaOf(String className) {
        String simpleName = className.substring(className.lastIndexOf('.') + 1);
        if (className.startsWith(PIPELINE) && simpleName.contains("Trace") && !simpleName.contains("Tracing")) {
            return MESSAGE_TRACE;
        }
        for (Map.Entry<String, List<String>> area : AREAS.entrySet()) {
            for (String prefix : area.getValue()) {
                if (className.startsWith(prefix)) {
                    return area.getKey();
                }
            }
        }
        return null;
    }
}
