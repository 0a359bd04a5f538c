package io.impipeline.dlq.web;

import java.util.Locale;

import io.impipeline.dlq.api.TimeParam;
import io.impipeline.dlq.store.DeadLetterFilter;
import io.impipeline.dlq.store.DeadLetterStatus;
import io.impipeline.platform.web.ApiException;

/**
 * The filter of the list, summary and by-filter endpoints, as query parameters or a JSON body:
 * {@code original_topic, stage, reason, status, from, to} (times ISO-8601 or epoch ms; {@code to} exclusive).
 */
public record FilterParams(String originalTopic, String stage, String reason, String status, String from,
                           String to) {

    public static final FilterParams NONE = new FilterParams(null, null, null, null, null, null);

    public DeadLetterFilter toFilter() {
        var f = new DeadLetterFilter(blankToNull(originalTopic), blankToNull(stage), blankToNull(reason),
                status(status), TimeParam.parse("from", from), TimeParam.parse("to", to));
        if (f.from() != null && f.to() != null && !f.from().isBefore(f.to())) {
            throw ApiException.invalidField("from must be before to");
        }
        return f;
    }

    private static DeadLetterStatus status(String s) {
        if (s == null || s.isBlank()) {
            return null;
        }
        try {
            return DeadLetterStatus.valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidField("status must be NEW, REPLAYED or DISCARDED");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
