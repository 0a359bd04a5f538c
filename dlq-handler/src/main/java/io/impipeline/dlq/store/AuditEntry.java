package io.impipeline.dlq.store;

import java.time.Instant;
import java.util.Map;

/** One row of {@code audit_log}: who changed what, when, and how many. */
public record AuditEntry(long id, Instant at, String actor, String action, String target, long count,
                         Map<String, Object> detail) {
}
