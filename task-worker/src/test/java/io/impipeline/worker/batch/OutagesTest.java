package io.impipeline.worker.batch;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.jdbc.UncategorizedSQLException;

import static org.assertj.core.api.Assertions.assertThat;

class OutagesTest {

    @Test
    void connectionFailuresAreOutages() {
        assertThat(Outages.isOutage(new CannotGetJdbcConnectionException("refused"))).isTrue();
        assertThat(Outages.isOutage(new DataAccessResourceFailureException("gone"))).isTrue();
        assertThat(Outages.isOutage(new UncategorizedSQLException("insert", "INSERT",
                new SQLException("terminating connection due to administrator command", "57P01")))).isTrue();
        assertThat(Outages.isOutage(new RuntimeException(new SQLException("I/O error", "08006")))).isTrue();
    }

    @Test
    void badDataIsNotAnOutage() {
        assertThat(Outages.isOutage(new DataIntegrityViolationException("invalid byte sequence 0x00"))).isFalse();
        assertThat(Outages.isOutage(new UncategorizedSQLException("insert", "INSERT",
                new SQLException("invalid byte sequence", "22021")))).isFalse();
        assertThat(Outages.isOutage(new IllegalStateException("bug"))).isFalse();
    }
}
