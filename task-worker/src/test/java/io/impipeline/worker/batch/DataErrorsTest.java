package io.impipeline.worker.batch;

import java.sql.BatchUpdateException;
import java.sql.SQLException;

import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.Rejection;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.DataAccessResourceFailureException;

import static org.assertj.core.api.Assertions.assertThat;

/** A row PostgreSQL refuses for its data (SQLSTATE 22/23) is not an outage and is not worth a retry. */
class DataErrorsTest {

    @Test
    void aNulCharacterRefusedByPostgresIsADataErrorWithItsReasonAndNoValues() {
        SQLException nul = new SQLException("ERROR: invalid byte sequence for encoding \"UTF8\": 0x00\n"
                + "  Where: unnamed portal parameter $8 = 'secret content'", "22021");
        DataIntegrityViolationException e = new DataIntegrityViolationException("insert failed", nul);
        assertThat(DataErrors.isDataError(e)).isTrue();
        assertThat(Outages.isOutage(e)).isFalse();
        Rejection rejection = DataErrors.rejection("the message", e);
        assertThat(rejection.reason()).isEqualTo(ReasonCode.INVALID_FIELD);
        assertThat(rejection.detail()).isEqualTo("PostgreSQL refused the message (SQLSTATE 22021): "
                + "invalid byte sequence for encoding \"UTF8\": 0x00");
    }

    @Test
    void theRowsOwnErrorBehindABatchFailureCounts() {
        BatchUpdateException batch = new BatchUpdateException("Batch entry 3 was aborted", "08006", new int[0]);
        batch.setNextException(new SQLException("ERROR: value too long for type character varying(128)", "22001"));
        assertThat(DataErrors.isDataError(batch)).isTrue();
    }

    @Test
    void anOutageIsNotADataError() {
        assertThat(DataErrors.isDataError(new DataAccessResourceFailureException("down",
                new SQLException("connection refused", "08001")))).isFalse();
        assertThat(DataErrors.isDataError(new IllegalStateException("boom"))).isFalse();
    }
}
