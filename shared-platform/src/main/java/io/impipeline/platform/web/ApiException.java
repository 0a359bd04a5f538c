package io.impipeline.platform.web;

import io.impipeline.model.codec.ReasonCode;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

/**
 * A refused request: the HTTP status, a stable code and a reason a person can read, answered as {@link ApiError} by
 * {@link ApiExceptionHandler}. The codes every app shares are the constants here (the list, with what else an app
 * may add, is in {@link ApiExceptionHandler}).
 */
public class ApiException extends RuntimeException {

    /** The body is not JSON, or not the JSON object expected (400). The wire validator's word for it. */
    public static final String MALFORMED_JSON = ReasonCode.MALFORMED_JSON.name();
    /** A required field or parameter is absent (400). */
    public static final String MISSING_FIELD = ReasonCode.MISSING_FIELD.name();
    /** A field or parameter has the wrong type, format, length or value, alone or with another one (400). */
    public static final String INVALID_FIELD = ReasonCode.INVALID_FIELD.name();
    /** A body field the endpoint does not know, e.g. a misspelt filter (400). */
    public static final String UNKNOWN_FIELD = "UNKNOWN_FIELD";
    /** No service token, or the wrong one (401; answered by {@link ServiceTokenFilter}). */
    public static final String UNAUTHORIZED = "UNAUTHORIZED";
    /** The addressed resource does not exist (404). */
    public static final String NOT_FOUND = "NOT_FOUND";
    /** An unexpected failure; the server log has the cause (500). */
    public static final String INTERNAL_ERROR = "INTERNAL_ERROR";

    private final HttpStatus status;
    private final String code;

    public ApiException(HttpStatus status, String code, String detail) {
        super(detail);
        this.status = status;
        this.code = code;
    }

    public static ApiException badRequest(String code, String detail) {
        return new ApiException(HttpStatus.BAD_REQUEST, code, detail);
    }

    /** 400 {@link #INVALID_FIELD}; the detail names the field and what it must be. */
    public static ApiException invalidField(String detail) {
        return badRequest(INVALID_FIELD, detail);
    }

    /** 400 {@link #MISSING_FIELD}; the detail names the field. */
    public static ApiException missingField(String detail) {
        return badRequest(MISSING_FIELD, detail);
    }

    /** 404 {@link #NOT_FOUND}. */
    public static ApiException notFound(String detail) {
        return new ApiException(HttpStatus.NOT_FOUND, NOT_FOUND, detail);
    }

    public static ApiException conflict(String code, String detail) {
        return new ApiException(HttpStatus.CONFLICT, code, detail);
    }

    public HttpStatus status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** The answer: the status, with the code and the reason as {@link ApiError}. */
    public ResponseEntity<ApiError> response() {
        return ResponseEntity.status(status).body(ApiError.of(code, getMessage()));
    }
}
