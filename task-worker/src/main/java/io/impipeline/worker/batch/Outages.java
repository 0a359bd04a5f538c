package io.impipeline.worker.batch;

import java.sql.SQLException;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * Tells a dependency outage (PostgreSQL unreachable, restarting, out of connections) from a failure of one task.
 * An outage is thrown out of the listener: the whole batch is rolled back and polled again after a back-off, until
 * the database is back, so nothing is lost and no task burns its retries on someone else's outage.
 */
public final class Outages {

    private Outages() {
    }

    public static boolean isOutage(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof DataAccessResourceFailureException || t instanceof TransientDataAccessException
                    || t instanceof RecoverableDataAccessException || t instanceof CannotCreateTransactionException) {
                return true;
            }
            if (t instanceof SQLException sql && isOutageState(sql.getSQLState())) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** SQLSTATE classes 08 (connection), 53 (insufficient resources), 57P (server shutting down / restarting). */
    static boolean isOutageState(String state) {
        return state != null && (state.startsWith("08") || state.startsWith("53") || state.startsWith("57P"));
    }
}
