package io.impipeline.dlq.web;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.impipeline.dlq.settings.DlqProperties;
import io.impipeline.dlq.store.AuditEntry;
import io.impipeline.dlq.store.AuditRepository;
import io.impipeline.platform.web.ApiException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The audit log: every change an operator made (replay, discard, topic replay, cancel, trace writing), newest first. */
@RestController
@RequestMapping("/api/v1/audit")
public class AuditController {

    static final int DEFAULT_LIMIT = 100;

    private final AuditRepository audit;
    private final DlqProperties.Api api;

    public AuditController(AuditRepository audit, DlqProperties dlq) {
        this.audit = audit;
        this.api = dlq.api();
    }

    /**
     * A page of entries, newest first: {@code limit} (1..{@code im.dlq.api.max-page-size}, default 100) entries with
     * an id below {@code before_id}; {@code next_before_id} continues, null on the last page.
     */
    @GetMapping
    public AuditPage list(@RequestParam(required = false) Integer limit,
                          @RequestParam(name = "before_id", required = false) Long beforeId) {
        int size = limit == null ? Math.min(DEFAULT_LIMIT, api.maxPageSize()) : limit;
        if (size < 1 || size > api.maxPageSize()) {
            throw ApiException.invalidField("limit must be between 1 and " + api.maxPageSize());
        }
        if (beforeId != null && beforeId < 1) {
            throw ApiException.invalidField("before_id must be a positive whole number");
        }
        List<AuditEntry> rows = audit.list(beforeId, size);
        Long next = rows.size() == size ? rows.get(rows.size() - 1).id() : null;
        return new AuditPage(rows.stream().map(AuditItem::of).toList(), next);
    }

    public record AuditPage(List<AuditItem> items, Long nextBeforeId) {
    }

    /** One change: when, who ({@code X-Operator}, else {@code api}), what, on what, how many, and its details. */
    public record AuditItem(long id, Instant at, String actor, String action, String target, long count,
                            Map<String, Object> detail) {

        static AuditItem of(AuditEntry e) {
            return new AuditItem(e.id(), e.at(), e.actor(), e.action(), e.target(), e.count(), e.detail());
        }
    }
}
