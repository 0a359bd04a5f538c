package io.impipeline.platform.web;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.util.ClassUtils;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * Every refusal of a REST API as {@code {"error": CODE, "detail": text}} ({@link ApiError}) with its 4xx or 5xx
 * status. Registered by {@link ImWebAutoConfiguration} when {@code im.web.api-errors.enabled} is true.
 *
 * <p>One vocabulary for every app: the same mistake gets the same code, whichever app refuses it.
 * <ul>
 *   <li>{@code MALFORMED_JSON} (400): the body is missing, not JSON, or not the JSON object expected.</li>
 *   <li>{@code MISSING_FIELD} (400): a required field or query parameter is absent.</li>
 *   <li>{@code INVALID_FIELD} (400): a field, query parameter or path variable has the wrong type, format, length
 *       or value (out of range, unknown enum value, foreign cursor, ...), alone or combined with another one; the
 *       detail names the field and what it must be.</li>
 *   <li>{@code UNKNOWN_FIELD} (400): a body field the endpoint does not know.</li>
 *   <li>{@code UNAUTHORIZED} (401): no or a wrong service token ({@link ServiceTokenFilter}).</li>
 *   <li>{@code NOT_FOUND} (404): no such resource, or no such path.</li>
 *   <li>Any other refusal by Spring MVC itself: the name of its HTTP status ({@code METHOD_NOT_ALLOWED},
 *       {@code UNSUPPORTED_MEDIA_TYPE}, {@code NOT_ACCEPTABLE}, {@code BAD_REQUEST}, ...).</li>
 *   <li>{@code INTERNAL_ERROR} (500): anything unexpected, logged with its stack trace.</li>
 * </ul>
 * The first four are the wire validator's {@code ReasonCode} names, with the same meaning. An app adds a code of its
 * own only for a refusal particular to its domain that a client acts on differently (the dlq-handler's
 * {@code SAME_TOPIC}, {@code EMPTY_FILTER}, {@code UNKNOWN_TOPIC}, {@code UNKNOWN_PARTITION},
 * {@code DEAD_LETTER_DISCARDED}, {@code NO_ORIGINAL_TOPIC}, {@code REPLAY_FINISHED}, {@code TOO_MANY_REPLAYS},
 * {@code REPLAY_FAILED}, {@code APP_UNREACHABLE}), never a synonym of one above (no {@code INVALID_LIMIT}, {@code INVALID_PARAMETER}).
 */
@RestControllerAdvice
public class ApiExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ApiError> api(ApiException e) {
        return e.response();
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ApiError> unreadable(HttpMessageNotReadableException e) {
        return ResponseEntity.badRequest().body(ApiError.of(ApiException.MALFORMED_JSON,
                "the request body is missing or is not the expected JSON object"));
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ApiError> typeMismatch(MethodArgumentTypeMismatchException e) {
        String must = isWholeNumber(e.getRequiredType()) ? " must be a whole number" : " has the wrong format";
        return ResponseEntity.badRequest().body(ApiError.of(ApiException.INVALID_FIELD, e.getName() + must));
    }

    @ExceptionHandler(MissingServletRequestParameterException.class)
    ResponseEntity<ApiError> missing(MissingServletRequestParameterException e) {
        return ResponseEntity.badRequest().body(ApiError.of(ApiException.MISSING_FIELD,
                e.getParameterName() + " is required"));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ApiError> other(Exception e) {
        // Spring MVC's own refusals (unknown path, wrong method, ...) keep their status; the code is its name.
        if (e instanceof ErrorResponse er) {
            HttpStatus status = HttpStatus.resolve(er.getStatusCode().value());
            String code = status == null ? "ERROR" : status.name();
            String detail = er.getBody().getDetail();
            return ResponseEntity.status(er.getStatusCode()).body(ApiError.of(code,
                    detail != null ? detail : status != null ? status.getReasonPhrase() : "request refused"));
        }
        log.error("request failed", e);
        return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR)
                .body(ApiError.of(ApiException.INTERNAL_ERROR, "the request failed; see the server log"));
    }

    private static boolean isWholeNumber(Class<?> type) {
        Class<?> t = type == null ? null : ClassUtils.resolvePrimitiveIfNecessary(type);
        return t == Long.class || t == Integer.class || t == Short.class || t == Byte.class;
    }
}
