package io.impipeline.worker.web;

import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.web.ApiError;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/** Every refusal of the history API as an {@link ApiError}: 400 with {@code INVALID_FIELD}, 404 with {@code NOT_FOUND}. */
@RestControllerAdvice
public class ApiExceptionHandler {

    static final String NOT_FOUND = "NOT_FOUND";

    @ExceptionHandler(HistoryController.BadRequestException.class)
    ResponseEntity<ApiError> badRequest(HistoryController.BadRequestException e) {
        return ResponseEntity.badRequest().body(ApiError.of(ReasonCode.INVALID_FIELD.name(), e.getMessage()));
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ApiError> typeMismatch(MethodArgumentTypeMismatchException e) {
        return ResponseEntity.badRequest().body(ApiError.of(ReasonCode.INVALID_FIELD.name(),
                e.getName() + " must be a whole number"));
    }

    @ExceptionHandler(MissingServletRequestParameterException.class)
    ResponseEntity<ApiError> missing(MissingServletRequestParameterException e) {
        return ResponseEntity.badRequest().body(ApiError.of(ReasonCode.MISSING_FIELD.name(),
                e.getParameterName() + " is required"));
    }

    @ExceptionHandler(HistoryController.NotFoundException.class)
    ResponseEntity<ApiError> notFound(HistoryController.NotFoundException e) {
        return ResponseEntity.status(HttpStatus.NOT_FOUND).body(ApiError.of(NOT_FOUND, e.getMessage()));
    }
}
