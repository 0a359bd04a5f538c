package io.impipeline.dlq.capture;

import java.io.EOFException;
import java.net.SocketException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Set;

import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * Why PostgreSQL did not store something: an outage (nothing can be stored: wait and retry, however long it
 * takes), a passing conflict (retry this record a few times), or this record (store what can be stored, move on).
 *
 * <p>Decided by the SQLSTATE of the driver's exception, not by Spring's translation: Spring files class 54
 * (program limit exceeded, e.g. an index entry too large: a property of the record) under
 * {@code DataAccessResourceFailureException} together with real connection failures.
 */
final class StoreFailures {

    /** Connection (08), insufficient resources (53: disk full, out of memory, too many connections), operator
     *  intervention (57: shutdown, cannot connect now), system error (58: I/O). */
    private static final Set<String> OUTAGE_CLASSES = Set.of("08", "53", "57", "58");
    /** A statement cancelled (57014) or timed out is about this statement, not the server. */
    private static final Set<String> NOT_OUTAGE = Set.of("57014");
    /** Read-only transaction: the server is a standby after a failover, until the new primary is reached. */
    private static final Set<String> OUTAGE_STATES = Set.of("25006");
    /** Serialization failure, deadlock, lock not available, object in use: another transaction's, it passes. */
    private static final Set<String> TRANSIENT_STATES = Set.of("40001", "40P01", "55P03", "55006");
    private static final int MAX_DEPTH = 32;

    private StoreFailures() {
    }

    static boolean isOutage(Throwable e) {
        int depth = 0;
        for (Throwable t = e; t != null && depth++ < MAX_DEPTH; t = t.getCause()) {
            if (t instanceof CannotGetJdbcConnectionException || t instanceof CannotCreateTransactionException
                    || t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException
                    || t instanceof SocketException || t instanceof EOFException) {
                return true;
            }
        }
        String state = sqlState(e);
        if (state == null || state.length() < 2 || NOT_OUTAGE.contains(state)) {
            return false;
        }
        return OUTAGE_STATES.contains(state) || OUTAGE_CLASSES.contains(state.substring(0, 2));
    }

    static boolean isTransient(Throwable e) {
        String state = sqlState(e);
        return state != null && TRANSIENT_STATES.contains(state);
    }

    /** The SQLSTATE of the first SQL exception in the chain that has one, else null. */
    static String sqlState(Throwable e) {
        int depth = 0;
        for (Throwable t = e; t != null && depth++ < MAX_DEPTH; t = t.getCause()) {
            if (t instanceof SQLException s) {
                for (SQLException n = s; n != null; n = n.getNextException()) {
                    if (n.getSQLState() != null) {
                        return n.getSQLState();
                    }
                    if (n.getNextException() == n) {
                        break;
                    }
                }
            }
        }
        return null;
    }

    /** Class and SQLSTATE only, for the log: the message can quote the record's content. */
    static String summary(Throwable e) {
        Throwable root = e;
        int depth = 0;
        while (root.getCause() != null && root.getCause() != root && depth++ < MAX_DEPTH) {
            root = root.getCause();
        }
        String state = sqlState(e);
        return e.getClass().getSimpleName() + (root != e ? "/" + root.getClass().getSimpleName() : "")
                + (state == null ? "" : " sqlstate=" + state);
    }

    /** The full description, for the row's capture_error (the database holds the content anyway). */
    static String describe(Throwable e) {
        String state = sqlState(e);
        Throwable deepest = e;
        int depth = 0;
        while (deepest.getCause() != null && deepest.getCause() != deepest && depth++ < MAX_DEPTH) {
            deepest = deepest.getCause();
        }
        String message = deepest.getMessage() != null ? deepest.getMessage() : e.getMessage();
        return deepest.getClass().getName() + (state == null ? "" : " (SQLSTATE " + state + ")") + ": " + message;
    }
}
