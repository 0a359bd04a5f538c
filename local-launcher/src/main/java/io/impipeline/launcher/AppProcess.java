package io.impipeline.launcher;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * An app of the pipeline as its own JVM, started from its module's jar or {@code target/classes} and the runtime
 * classpath the build wrote ({@code target/runtime-classpath.txt}), with its own {@code application.yml}, as in
 * production; with class-data sharing when a fresh jar exists ({@link ClassDataSharing}).
 */
public final class AppProcess {

    private static final Duration HEALTH_POLL = Duration.ofMillis(500);
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);

    private final AppSpec spec;
    private final String instanceId;
    private final Path repository;
    private final Path logFile;
    private Process process;
    private List<String> lastCommand;
    private Map<String, String> lastEnvironment;
    private String sharing = "off";

    /** @param instanceId distinct per instance of an app: its log file name and its {@code im.instance-id} */
    public AppProcess(AppSpec spec, String instanceId, Path repository, Path logDirectory) {
        this.spec = spec;
        this.instanceId = instanceId;
        this.repository = repository;
        this.logFile = logDirectory.resolve(instanceId + ".log");
    }

    public AppProcess(AppSpec spec, Path repository, Path logDirectory) {
        this(spec, spec.module(), repository, logDirectory);
    }


    public AppSpec spec() {
        return spec;
    }

    public String instanceId() {
        return instanceId;
    }

    public Path logFile() {
        return logFile;
    }

    /** Class-data sharing of the last start: {@code on}, {@code recording at stop} or {@code off}. */
    public String classDataSharing() {
        return sharing;
    }

    public void start(Map<String, String> environment, List<String> arguments, String jvmMemory) throws IOException {
        Path module = repository.resolve(spec.module());
        Path classpathFile = module.resolve("target/runtime-classpath.txt");
        if (!Files.exists(classpathFile)) {
            throw new IllegalStateException(classpathFile + " is missing: build first (./mvnw -DskipTests package)");
        }
        AppJava jdk = AppJava.current();
        List<Path> dependencies = Arrays.stream(Files.readString(classpathFile).trim().split(File.pathSeparator))
                .filter(entry -> !entry.isBlank()).map(Path::of).toList();
        // Extra JVM flags per app, e.g. IM_JVM_OPTS_UPSTREAM_ROUTER="-XX:StartFlightRecording=..." to profile one.
        String extra = System.getenv("IM_JVM_OPTS_" + spec.module().toUpperCase().replace('-', '_'));
        List<String> extraFlags = extra == null || extra.isBlank() ? List.of() : List.of(extra.trim().split("\\s+"));
        ClassDataSharing.Launch launch = ClassDataSharing.plan(module, dependencies, instanceId.equals(spec.module()),
                jdk, extraFlags);
        String classpath = launch.classpathString();
        List<String> command = new ArrayList<>();
        command.add(jdk.executable());
        command.add("-Xmx" + jvmMemory);
        command.add("-XX:+UseSerialGC");
        command.addAll(launch.jvmFlags());
        sharing = launch.status();
        command.addAll(extraFlags);
        command.add("-cp");
        command.add(classpath);
        command.add(spec.mainClass());
        command.add("--server.port=" + spec.port());
        command.addAll(arguments);
        Files.createDirectories(logFile.getParent());
        lastCommand = List.copyOf(command);
        lastEnvironment = Map.copyOf(environment);
        launch();
    }

    private void launch() throws IOException {
        ProcessBuilder builder = new ProcessBuilder(lastCommand)
                .directory(repository.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        builder.environment().putAll(lastEnvironment);
        process = builder.start();
    }

    /** {@code kill -9}: no shutdown hook runs, no group leave, no commit. */
    public void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }

    /** Starts the app again with the same command, environment and state directory (its log is appended to). */
    public void restart() throws IOException {
        if (isAlive()) {
            throw new IllegalStateException(instanceId + " is still running");
        }
        launch();
    }

    /** Waits until {@code /actuator/health} says UP; fails early when the process dies. */
    public void awaitHealthy(Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(spec.module() + " exited with code " + process.exitValue()
                        + "; see " + logFile);
            }
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + spec.port() + "/actuator/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                last = response.statusCode() + " " + response.body();
                if (response.statusCode() == 200 && response.body().contains("\"status\":\"UP\"")) {
                    return;
                }
            } catch (IOException e) {
                last = e.getClass().getSimpleName();
            }
            Thread.sleep(HEALTH_POLL.toMillis());
        }
        throw new IllegalStateException(spec.module() + " not healthy after " + timeout + " (last: " + last
                + "); see " + logFile);
    }

    public long pid() {
        return process.pid();
    }

    /** Resident memory of the app's JVM in MiB (Linux {@code /proc}), or -1 when unknown. */
    public long residentMegabytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGTERM (Spring shuts down gracefully), then SIGKILL after a grace period. */
    public void stop() {
        Processes.stop(process, STOP_GRACE);
    }
}
