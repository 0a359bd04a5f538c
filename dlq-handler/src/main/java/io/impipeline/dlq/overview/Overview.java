package io.impipeline.dlq.overview;

import java.time.Instant;
import java.util.List;

import io.impipeline.dlq.overview.AppHealth.App;
import io.impipeline.dlq.overview.ConsumerLag.Lag;
import io.impipeline.dlq.overview.Gateways.Gateway;
import io.impipeline.dlq.overview.Throughput.Rate;

/**
 * {@code GET /api/v1/overview}: the pipeline at a glance. A part that could not be measured is empty and
 * {@code errors} says which and why ({@code part}: {@code lag}, {@code throughput}, {@code gateways},
 * {@code dead_letters_by_reason}); the other parts are still shown.
 */
public record Overview(List<App> apps, List<Lag> lag, List<Rate> throughput, List<Gateway> gateways,
                       List<ReasonCount> deadLettersByReason, Instant measuredAt, List<Problem> errors) {

    /** Dead letters with one reason that arrived in one bucket. */
    public record ReasonCount(String reason, Instant bucketStart, long count) {
    }

    /** A part of the overview that could not be measured. */
    public record Problem(String part, String detail) {
    }
}
