package io.impipeline.dlq.web;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.impipeline.dlq.overview.TraceWriters;
import io.impipeline.dlq.store.AuditAction;
import io.impipeline.dlq.store.AuditRepository;
import io.impipeline.platform.web.ApiException;
import io.impipeline.platform.web.Operator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/trace-writers} (issue 15): message trace writing on each app that writes trace events, and pausing
 * or resuming it from the console ({@link TraceWriters}). A change that took effect is written to the audit log
 * ({@code trace_writing}, target the app) after the app answered.
 */
@RestController
@RequestMapping("/api/v1/trace-writers")
public class TraceWritersController {

    private static final Logger log = LoggerFactory.getLogger(TraceWritersController.class);

    private final TraceWriters writers;
    private final AuditRepository audit;
    private final Clock clock;

    public TraceWritersController(TraceWriters writers, AuditRepository audit, Clock clock) {
        this.writers = writers;
        this.audit = audit;
        this.clock = clock;
    }

    /** The body of a {@code PUT}: {@code {"writing": false}} pauses, {@code true} resumes. */
    public record Change(Boolean writing) {
    }

    /** Each writer app: {@code enabled} at its start, {@code writing} now; null with a {@code detail} if not asked. */
    @GetMapping
    public List<TraceWriters.Writer> list() {
        return writers.list();
    }

    /** Pauses or resumes trace writing on {@code app}; answers the app's state after the change. */
    @PutMapping("/{app}")
    public TraceWriters.Writer change(@PathVariable String app, @RequestBody(required = false) Map<String, Object> json,
                                      @RequestHeader(name = Operator.HEADER, required = false) String operator) {
        Operator who = Operator.of(operator);
        Change change = json == null ? null : StrictBody.read(json, Change.class);
        if (change == null || change.writing() == null) {
            throw ApiException.missingField("writing: the body must be {\"writing\": true} or {\"writing\": false}");
        }
        TraceWriters.Switch done = writers.set(app, change.writing(), who);
        if (done.changed()) {
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("writing", done.after().writing());
            detail.put("url", done.after().url());
            try {
                audit.record(clock.instant(), who.name(), AuditAction.TRACE_WRITING, app, 1, detail);
            } catch (RuntimeException e) {
                // The app has switched already; the operator must learn that the audit log misses it.
                log.error("trace writing on {} {} by {} but the audit row could not be written", app,
                        change.writing() ? "resumed" : "paused", who, e);
                throw new ApiException(HttpStatus.INTERNAL_SERVER_ERROR, ApiException.INTERNAL_ERROR,
                        "trace writing on " + app + " was " + (change.writing() ? "resumed" : "paused")
                                + ", but the audit log could not record it: " + e.getClass().getSimpleName());
            }
            log.warn("message trace writing on {} {} by {} from the console", app,
                    change.writing() ? "resumed" : "paused", who);
        }
        return done.after();
    }
}
