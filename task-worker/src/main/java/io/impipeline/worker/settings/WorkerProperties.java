package io.impipeline.worker.settings;

import java.net.URI;
import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the task-worker ({@code im.worker.*}).
 *
 * @param batchSize      records per poll of the task listener ({@code max.poll.records}); one JDBC batch per poll
 * @param concurrency    listener threads of the task topic (at most its partition count is useful)
 * @param taskGroup      consumer group of {@code im-task-topic}
 * @param retryGroup     consumer group of the retry topic
 * @param projectionGroup consumer group that keeps the {@code group_members} projection from {@code im-group-topic}
 * @param retry          non-blocking retries of failed tasks
 * @param outage         blocking back-off while PostgreSQL or the broker is unavailable
 * @param fanout         group fan-out: page size, record size limit, memory of finished fan-outs
 * @param push           offline push provider
 * @param history        history API limits
 */
@Validated
@ConfigurationProperties("im.worker")
public record WorkerProperties(
        @DefaultValue("200") @Min(1) @Max(10_000) int batchSize,
        @DefaultValue("1") @Min(1) int concurrency,
        @DefaultValue("im-task-group") @NotBlank String taskGroup,
        @DefaultValue("im-task-retry-group") @NotBlank String retryGroup,
        @DefaultValue("im-task-projection-group") @NotBlank String projectionGroup,
        @DefaultValue @Valid Retry retry,
        @DefaultValue @Valid Outage outage,
        @DefaultValue @Valid Fanout fanout,
        @DefaultValue @Valid Push push,
        @DefaultValue @Valid History history) {

    /**
     * Failed tasks go to {@code <task topic><topicSuffix>} with a due time and are tried again there, so that the
     * task topic's partitions never wait; after {@code maxAttempts} attempts in all they are dead-lettered with
     * {@code RETRIES_EXHAUSTED}. Back-off before attempt n+1: {@code initialInterval * multiplier^(n-1)}, capped.
     */
    public record Retry(
            @DefaultValue("3") @Min(1) @Max(20) int maxAttempts,
            @DefaultValue("1s") @NotNull Duration initialInterval,
            @DefaultValue("2.0") @DecimalMin("1.0") double multiplier,
            @DefaultValue("30s") @NotNull Duration maxInterval,
            @DefaultValue("-retry") @NotBlank String topicSuffix) {

        /**
         * The retry consumer waits for due times inside a poll and its Kafka transaction: stay well below
         * {@code max.poll.interval.ms} (5 min) and {@code transaction.timeout.ms} (1 min).
         */
        static final Duration LONGEST_WAIT = Duration.ofSeconds(45);

        public Retry {
            if (maxInterval != null && maxInterval.compareTo(LONGEST_WAIT) > 0) {
                throw new IllegalArgumentException("im.worker.retry.max-interval must be at most " + LONGEST_WAIT
                        + " (the retry consumer waits for due times inside a poll); was " + maxInterval);
            }
        }

        /** Back-off after the given failed attempt (1-based). */
        public Duration backoffAfter(int failedAttempt) {
            double millis = initialInterval.toMillis() * Math.pow(multiplier, Math.max(0, failedAttempt - 1));
            return Duration.ofMillis((long) Math.min(millis, maxInterval.toMillis()));
        }
    }

    /** Back-off of a whole batch while a dependency (PostgreSQL, the broker) is down: retried until it is back. */
    public record Outage(
            @DefaultValue("500ms") @NotNull Duration initialInterval,
            @DefaultValue("2.0") @DecimalMin("1.0") double multiplier,
            @DefaultValue("15s") @NotNull Duration maxInterval) {
    }

    /**
     * @param defaultBatchSize  members per page when a task has no {@code batch_size}
     * @param maxBatchSize      upper bound on a task's {@code batch_size}: a page is one Kafka transaction
     * @param maxRecordBytes    largest routed record written (value, key and headers); a larger group batch is split
     *                          in halves (still one partition each), a single recipient's record over it is
     *                          dead-lettered {@code TOO_LARGE}. 0 (default): {@code im.topics.max-message-bytes}
     *                          (the topics' {@code max.message.bytes} and the producers' {@code max.request.size},
     *                          2 MiB) less 64 KiB for the record and batch overhead
     * @param progressRetention how long a finished fan-out is remembered in {@code fanout_progress}: a replay of it
     *                          within that time writes nothing; after it, it would fan out again
     */
    public record Fanout(
            @DefaultValue("100") @Min(1) int defaultBatchSize,
            @DefaultValue("1000") @Min(1) int maxBatchSize,
            @DefaultValue("0") @Min(0) int maxRecordBytes,
            @DefaultValue("14d") @NotNull Duration progressRetention) {

        public int pageSize(int requested) {
            return requested <= 0 ? defaultBatchSize : Math.min(requested, maxBatchSize);
        }
    }

    /**
     * @param provider {@code log} (default: records the push in {@code push_notifications}) or {@code webhook}
     * @param webhook  the webhook provider's endpoint and timeouts
     * @param parallelism push tasks of one poll sent at the same time (a slow provider must not stall a 200-task
     *                    poll); the tasks of one message go one after the other
     */
    public record Push(
            @DefaultValue("log") @NotNull Provider provider,
            @DefaultValue("8") @Min(1) @Max(256) int parallelism,
            @DefaultValue @Valid Webhook webhook) {

        public enum Provider { LOG, WEBHOOK }
    }

    /**
     * @param url            where each notification is POSTed as JSON (required when the provider is {@code webhook})
     * @param connectTimeout TCP connect timeout
     * @param readTimeout    time to wait for the answer; a timeout is retried
     * @param authorization  optional {@code Authorization} header value sent with each call
     */
    public record Webhook(
            URI url,
            @DefaultValue("2s") @NotNull Duration connectTimeout,
            @DefaultValue("5s") @NotNull Duration readTimeout,
            String authorization) {
    }

    /**
     * @param defaultLimit messages per page when {@code limit} is absent
     * @param maxLimit     largest accepted {@code limit}
     */
    public record History(
            @DefaultValue("50") @Min(1) int defaultLimit,
            @DefaultValue("200") @Min(1) int maxLimit) {
    }
}
