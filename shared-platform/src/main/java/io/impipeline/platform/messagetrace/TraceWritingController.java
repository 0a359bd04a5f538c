package io.impipeline.platform.messagetrace;

import io.impipeline.platform.web.ApiError;
import io.impipeline.platform.web.ApiException;
import io.impipeline.platform.web.Operator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET|PUT /api/v1/trace-writing} (issue 15) on an app that writes trace events (router, dispatcher,
 * task-worker), behind the service token: whether this instance writes them now, and pausing or resuming it without a
 * restart ({@link TraceSwitch}). Per instance: an app with several instances is switched instance by instance; a
 * restart writes again as {@code im.trace.enabled} says. Imported by the writers' configurations, not by every app
 * (the dlq-handler's own stages are not events).
 */
@RestController
@RequestMapping("/api/v1/trace-writing")
public class TraceWritingController {

    private static final Logger log = LoggerFactory.getLogger(TraceWritingController.class);

    private final TraceSwitch traceSwitch;

    public TraceWritingController(TraceSwitch traceSwitch) {
        this.traceSwitch = traceSwitch;
    }

    /** The switch as answered: {@code enabled} ({@code im.trace.enabled} at start) and {@code writing} now. */
    public record State(boolean enabled, boolean writing) {
    }

    /** The body of a {@code PUT}: {@code {"writing": false}} pauses, {@code true} resumes. */
    public record Change(Boolean writing) {
    }

    @GetMapping
    public State state() {
        return new State(traceSwitch.enabled(), traceSwitch.writing());
    }

    /**
     * @param operator who asks ({@code X-Operator}, as for the dlq-handler's changes; {@code api} without it): named in
     *                 the WARN line that records the change
     */
    @PutMapping
    public State change(@RequestBody(required = false) Change change,
                        @RequestHeader(name = Operator.HEADER, required = false) String operator) {
        if (change == null || change.writing() == null) {
            throw ApiException.missingField("writing: the body must be {\"writing\": true} or {\"writing\": false}");
        }
        Operator who = Operator.of(operator);
        boolean before;
        try {
            before = traceSwitch.write(change.writing());
        } catch (IllegalStateException e) {
            throw ApiException.conflict("TRACE_NOT_ENABLED", e.getMessage());
        }
        if (before != change.writing()) {
            // An operator's change of what the trace will show: said at WARN, as the trace has a gap from here.
            log.warn("message trace writing {} by {} (im.trace.enabled={})",
                    change.writing() ? "resumed" : "paused", who, traceSwitch.enabled());
        }
        return state();
    }

    /**
     * Refusals answered here: the Streams apps do not turn on the shared {@code ApiExceptionHandler}
     * ({@code im.web.api-errors.enabled}).
     */
    @ExceptionHandler(ApiException.class)
    ResponseEntity<ApiError> refused(ApiException e) {
        return e.response();
    }
}
