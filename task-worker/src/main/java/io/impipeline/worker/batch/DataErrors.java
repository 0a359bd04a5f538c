package io.impipeline.worker.batch;

import java.sql.SQLException;

import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.Rejection;

/**
 * Tells a row PostgreSQL refuses for what it holds (SQLSTATE class 22, data exception: a NUL character, an invalid
 * byte sequence, a value too long; class 23, integrity constraint violation) from other failures. Such a row fails
 * the same way on every attempt: it is dead-lettered at once with {@code INVALID_FIELD}, never retried, and never
 * taken for an outage.
 */
public final class DataErrors {

    private static final int MAX_DETAIL = 300;

    private DataErrors() {
    }

    public static boolean isDataError(Throwable failure) {
        return dataError(failure) != null;
    }

    /** {@code INVALID_FIELD}: "PostgreSQL refused <what> (SQLSTATE 22021): invalid byte sequence ...". */
    public static Rejection rejection(String what, Throwable failure) {
        SQLException sql = dataError(failure);
        String state = sql == null ? "?" : sql.getSQLState();
        String message = sql == null ? String.valueOf(failure.getMessage()) : firstLine(sql.getMessage());
        return Rejection.of(ReasonCode.INVALID_FIELD, "PostgreSQL refused " + what + " (SQLSTATE " + state + "): "
                + message);
    }

    static boolean isDataState(String state) {
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    private static SQLException dataError(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                // A batch failure names the row's own error as the next exception.
                for (SQLException s = sql; s != null; s = s.getNextException()) {
                    if (isDataState(s.getSQLState())) {
                        return s;
                    }
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    /** The driver's first line only: the server's message, never the row's values (they may hold content). */
    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        String line = message.lines().findFirst().orElse("").strip();
        if (line.startsWith("ERROR: ")) {
            line = line.substring("ERROR: ".length());
        }
        return line.length() <= MAX_DETAIL ? line : line.substring(0, MAX_DETAIL);
    }
}
