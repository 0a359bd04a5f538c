package io.impipeline.launcher;

import java.io.IOException;
import java.net.ServerSocket;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The whole pipeline on one machine: {@link LocalInfrastructure} plus each app as its own JVM. Used by
 * {@code ./run-local} and by the end-to-end test.
 */
public final class LocalPipeline implements AutoCloseable {

    /**
     * @param repository   the repository root (the apps' modules are below it)
     * @param dataDirectory wiped at start: broker-independent state (Streams state dirs, PostgreSQL data, logs)
     * @param appMemory    {@code -Xmx} of each app
     * @param appArguments extra {@code --key=value} arguments for every app
     * @param portOffset   added to each app's default port (8081..8084), so that two pipelines can run side by side
     * @param brokers      Kafka nodes: 1, or 3 shaped like production (replication 3, min.insync.replicas 2)
     * @param instances    instances of each Kafka Streams app (router, dispatcher): the second one listens on the
     *                     first one's port + {@value #INSTANCE_PORT_STEP}; with two, each store has a standby replica
     */
    public record Options(Path repository, Path dataDirectory, int kafkaPort, int postgresPort, String serviceToken,
                          String appMemory, boolean startApps, List<String> appArguments, Duration startTimeout,
                          int portOffset, int brokers, int instances) {

        public Options(Path repository, Path dataDirectory, int kafkaPort, int postgresPort, String serviceToken,
                       String appMemory, boolean startApps, List<String> appArguments, Duration startTimeout,
                       int portOffset) {
            this(repository, dataDirectory, kafkaPort, postgresPort, serviceToken, appMemory, startApps, appArguments,
                    startTimeout, portOffset, 1, 1);
        }

        public Options withCluster(int brokerCount, int instanceCount) {
            return new Options(repository, dataDirectory, kafkaPort, postgresPort, serviceToken, appMemory, startApps,
                    appArguments, startTimeout, portOffset, brokerCount, instanceCount);
        }
    }

    /** Port distance between two instances of an app. */
    public static final int INSTANCE_PORT_STEP = 100;

    private final Options options;
    private final LocalInfrastructure infrastructure;
    private final List<AppProcess> apps = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private LocalPipeline(Options options, LocalInfrastructure infrastructure) {
        this.options = options;
        this.infrastructure = infrastructure;
    }

    /** A port for the broker whose successor (the controller's port) is free too. */
    public static int freePortPair() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            try (ServerSocket next = new ServerSocket(port + 1)) {
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free port pair");
    }

    public static LocalPipeline start(Options options, PrintStream out) throws IOException, InterruptedException {
        wipe(options.dataDirectory());
        out.println("starting Kafka (" + (options.brokers() == 1 ? "single-node KRaft broker process"
                : options.brokers() + " KRaft broker processes") + ") and PostgreSQL (embedded) ...");
        LocalInfrastructure infrastructure = LocalInfrastructure.start(options.brokers(), options.kafkaPort(),
                options.postgresPort(), options.dataDirectory(), kafkaClasspath(options.repository()));
        LocalPipeline pipeline = new LocalPipeline(options, infrastructure);
        try {
            if (options.startApps()) {
                pipeline.startApps(out);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            pipeline.close();
            throw e;
        }
        return pipeline;
    }

    private void startApps(PrintStream out) throws IOException, InterruptedException {
        Path logs = options.dataDirectory().resolve("logs");
        for (AppSpec base : AppSpec.ALL) {
            int instances = base.streams() ? options.instances() : 1;
            for (int i = 0; i < instances; i++) {
                AppSpec spec = base.withPortOffset(options.portOffset() + i * INSTANCE_PORT_STEP);
                String instanceId = instances == 1 ? spec.module() : spec.module() + "-" + (i + 1);
                AppProcess app = new AppProcess(spec, instanceId, options.repository(), logs);
                List<String> args = new ArrayList<>();
                // One broker: every topic with one replica. Three: the specs' replica counts, as in production.
                if (options.brokers() == 1) {
                    args.add("--im.topics.replication-factor=1");
                }
                // Stable and distinct per instance: its static group membership (group.instance.id).
                args.add("--im.instance-id=" + instanceId);
                if (spec.streams()) {
                    args.add("--im.streams.state-dir="
                            + options.dataDirectory().resolve("state").resolve(instanceId).toAbsolutePath());
                    if (instances > 1) {
                        args.add("--im.streams.standby-replicas=1");
                    }
                }
                args.addAll(options.appArguments());
                app.start(environment(), args, options.appMemory());
                out.println("starting " + instanceId + " on port " + spec.port() + " (log: " + app.logFile()
                        + ", class-data sharing " + app.classDataSharing() + ")");
                apps.add(app);
            }
        }
        for (AppProcess app : apps) {
            app.awaitHealthy(options.startTimeout());
            out.println(app.instanceId() + " is UP");
        }
    }

    public Map<String, String> environment() {
        return Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", infrastructure.bootstrapServers(),
                "IM_DB_URL", infrastructure.jdbcUrl(),
                "IM_DB_USER", infrastructure.databaseUser(),
                "IM_DB_PASSWORD", infrastructure.databasePassword(),
                "IM_SERVICE_TOKEN", options.serviceToken(),
                // The dlq-handler's console asks the first instance of each app for its health (issue 15).
                "IM_CONSOLE_ROUTER_URL", firstInstanceUrl("upstream-router"),
                "IM_CONSOLE_DISPATCHER_URL", firstInstanceUrl("downstream-dispatcher"),
                "IM_CONSOLE_WORKER_URL", firstInstanceUrl("task-worker"));
    }

    private String firstInstanceUrl(String module) {
        return AppSpec.ALL.stream().filter(a -> a.module().equals(module)).findFirst()
                .map(a -> "http://localhost:" + (a.port() + options.portOffset()))
                .orElseThrow(() -> new IllegalArgumentException("no app " + module));
    }

    public String bootstrapServers() {
        return infrastructure.bootstrapServers();
    }

    public String jdbcUrl() {
        return infrastructure.jdbcUrl();
    }

    public List<AppProcess> apps() {
        return List.copyOf(apps);
    }

    /** Every running instance of an app, by module name (first instance first). */
    public List<AppProcess> apps(String module) {
        return apps.stream().filter(a -> a.spec().module().equals(module)).toList();
    }

    /** Kafka and PostgreSQL, for failure scenarios (kill a broker, stop the database). */
    public LocalInfrastructure infrastructure() {
        return infrastructure;
    }

    public String serviceToken() {
        return options.serviceToken();
    }

    /** The base URL of a started app, by module name. */
    public String url(String module) {
        return apps.stream().filter(a -> a.spec().module().equals(module)).findFirst()
                .map(a -> "http://localhost:" + a.spec().port())
                .orElseThrow(() -> new IllegalArgumentException("no app " + module));
    }

    /** What is where, for the person at the terminal. */
    public String banner() {
        StringBuilder b = new StringBuilder("\nThe pipeline is up:\n");
        b.append(String.format("  %-22s %s%n", "Kafka", infrastructure.bootstrapServers()));
        b.append(String.format("  %-22s %s (user %s, password %s)%n", "PostgreSQL", infrastructure.jdbcUrl(),
                infrastructure.databaseUser(), infrastructure.databasePassword()));
        for (AppProcess app : apps) {
            b.append(String.format("  %-22s http://localhost:%d  (log %s)%n", app.instanceId(), app.spec().port(),
                    app.logFile()));
        }
        b.append(String.format("  %-22s %s  (header X-Service-Token)%n", "service token", options.serviceToken()));
        b.append(String.format("  %-22s %s/console/  (log in with a name and the service token)%n",
                "operations console", url("dlq-handler")));
        String curl = "  curl -H 'X-Service-Token: " + options.serviceToken() + "' ";
        b.append("Try:\n");
        b.append("  curl ").append(url("upstream-router")).append("/actuator/health\n");
        b.append(curl).append(url("downstream-dispatcher")).append("/api/v1/gateways\n");
        b.append(curl).append(url("dlq-handler")).append("/api/v1/dead-letters\n");
        b.append(curl).append(url("upstream-router")).append("/actuator/prometheus | grep '^im_'\n");
        b.append("API descriptions (OpenAPI; the page asks for the service token): ")
                .append(url("upstream-router")).append("/swagger-ui.html, and the same path on every app\n");
        return b.toString();
    }

    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (int i = apps.size() - 1; i >= 0; i--) {
            apps.get(i).stop();
        }
        try {
            infrastructure.close();
        } catch (IOException | RuntimeException e) {
            System.err.println("stopping the infrastructure: " + e.getMessage());
        }
    }

    /** The broker runs from the launcher's own runtime classpath, which holds the kafka_2.13 server jar. */
    private static String kafkaClasspath(Path repository) throws IOException {
        Path module = repository.resolve("local-launcher");
        Path file = module.resolve("target/runtime-classpath.txt");
        return Files.exists(file) ? module.resolve("target/classes") + java.io.File.pathSeparator
                + Files.readString(file).trim() : System.getProperty("java.class.path");
    }

    private static void wipe(Path directory) throws IOException {
        if (Files.exists(directory)) {
            try (Stream<Path> paths = Files.walk(directory)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        Files.createDirectories(directory);
    }
}
