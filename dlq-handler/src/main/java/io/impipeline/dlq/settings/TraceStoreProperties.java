package io.impipeline.dlq.settings;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The trace store ({@code im.dlq.trace.*}, issue 15): {@code im-trace-topic} materialised in {@code trace_events}.
 *
 * @param groupId         consumer group of the trace listener
 * @param concurrency     trace listener threads (the topic has 3 partitions by default)
 * @param maxPollRecords  trace events stored per database batch at most
 * @param pollTimeout     the listener's poll timeout; a committed event is stored within about this long
 * @param fetchMaxWait    {@code fetch.max.wait.ms}: how long the broker holds a fetch that has less than
 *                        {@code fetchMinBytes}
 * @param fetchMinBytes   {@code fetch.min.bytes}: the broker answers earlier only once this much is there; large, so
 *                        that under load a poll holds about {@code fetchMaxWait} of events and the events of one
 *                        message from two apps (a commit interval apart) mostly make one row; also the largest fetch
 *                        of one partition
 * @param retryInitial    first wait after a batch PostgreSQL could not take (outage); doubles up to {@code retryMax}
 * @param retryMax        longest wait between attempts while PostgreSQL is unavailable
 * @param retention       trace rows older than this ({@code at}) are deleted
 * @param cleanupInterval how often the retention runs
 * @param cleanupBatch    rows deleted per statement by the retention (short transactions)
 * @param maxDetailBytes  largest {@code detail} (as JSON) stored; a larger event is unreadable (skipped, counted)
 * @param logInterval     at most one WARN line per this interval for unreadable trace records (all are counted)
 * @param historyStages   read {@code persisted} and {@code pushed} from the task-worker's tables ({@code messages},
 *                        {@code push_notifications}) in the shared database when a trace is asked for; the worker
 *                        writes no trace events for them
 */
@Validated
@ConfigurationProperties("im.dlq.trace")
public record TraceStoreProperties(
        @DefaultValue("im-dlq-trace") @NotBlank String groupId,
        @DefaultValue("1") @Min(1) int concurrency,
        @DefaultValue("10000") @Min(1) int maxPollRecords,
        @DefaultValue("500ms") @NotNull Duration pollTimeout,
        @DefaultValue("500ms") @NotNull Duration fetchMaxWait,
        @DefaultValue("2097152") @Min(1) int fetchMinBytes,
        @DefaultValue("1s") @NotNull Duration retryInitial,
        @DefaultValue("30s") @NotNull Duration retryMax,
        @DefaultValue("3d") @NotNull Duration retention,
        @DefaultValue("15m") @NotNull Duration cleanupInterval,
        @DefaultValue("10000") @Min(1) int cleanupBatch,
        @DefaultValue("16384") @Min(2) @Max(1_048_576) int maxDetailBytes,
        @DefaultValue("1m") @NotNull Duration logInterval,
        @DefaultValue("true") boolean historyStages) {

    public TraceStoreProperties {
        requirePositive("retention", retention);
        requirePositive("cleanup-interval", cleanupInterval);
        requirePositive("poll-timeout", pollTimeout);
    }

    static void requirePositive(String name, Duration d) {
        if (d != null && (d.isNegative() || d.isZero())) {
            throw new IllegalArgumentException("im.dlq.trace." + name + " must be positive, was " + d);
        }
    }
}
