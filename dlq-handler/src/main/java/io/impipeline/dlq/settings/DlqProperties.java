package io.impipeline.dlq.settings;

import java.time.Duration;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The dlq-handler's settings ({@code im.dlq.*}).
 *
 * @param capture     the listener that stores every dead letter
 * @param replay      replaying stored dead letters to their original topic
 * @param topicReplay copying a range of a topic into another ({@code /api/v1/replays})
 * @param api         paging of the REST API
 */
@Validated
@ConfigurationProperties("im.dlq")
public record DlqProperties(
        @DefaultValue @Valid Capture capture,
        @DefaultValue @Valid Replay replay,
        @DefaultValue @Valid TopicReplay topicReplay,
        @DefaultValue @Valid Api api) {

    /**
     * @param groupId        consumer group of the capture listener
     * @param metadataMaxAge how soon a new dead-letter topic is picked up ({@code metadata.max.age.ms})
     * @param concurrency    listener threads
     * @param maxPollRecords records stored per database batch at most
     * @param retryInitial   first wait after a failed batch (database down); doubles up to {@code retryMax}
     * @param retryMax       longest wait between attempts; while PostgreSQL is unreachable a batch is retried until
     *                       it is stored, never skipped
     * @param recordAttempts attempts at storing one dead letter that PostgreSQL refuses (lock conflicts are retried,
     *                       content errors are not); then only its coordinates are stored (reason CAPTURE_FAILED)
     * @param logLimit       WARN lines for stored dead letters per {@code logInterval} at most; the rest are
     *                       summed up in one line per interval (the metric counts every one)
     * @param logInterval    the window of {@code logLimit}
     */
    public record Capture(
            @DefaultValue("im-dlq-handler") @NotBlank String groupId,
            @DefaultValue("10s") @NotNull Duration metadataMaxAge,
            @DefaultValue("1") @Min(1) int concurrency,
            @DefaultValue("500") @Min(1) int maxPollRecords,
            @DefaultValue("1s") @NotNull Duration retryInitial,
            @DefaultValue("30s") @NotNull Duration retryMax,
            @DefaultValue("3") @Min(1) int recordAttempts,
            @DefaultValue("20") @Min(0) int logLimit,
            @DefaultValue("1m") @NotNull Duration logInterval) {
    }

    /**
     * @param sendTimeout         how long one replay waits for the broker's acknowledgement
     * @param maxPerRequest       most dead letters one replay-by-filter request sends
     * @param chunkSize           dead letters locked, sent and marked per database transaction
     * @param stripHeaderPrefixes headers not sent back on replay: what the failing app and spring-kafka added
     * @param allowedTopics       topic kinds ({@code upstream, routed, task, presence, gateway, group}) a replay may
     *                            write into, resolved to names through {@code im.topics} (prefix and renames
     *                            applied): dead-letter replays (to the original topic) and topic replays alike
     * @param allowedTopicPatterns further targets: regular expressions a full topic name must match entirely
     */
    public record Replay(
            @DefaultValue("10s") @NotNull Duration sendTimeout,
            @DefaultValue("10000") @Min(1) int maxPerRequest,
            @DefaultValue("500") @Min(1) int chunkSize,
            @DefaultValue({"kafka_dlt-", "im_dlt-", "retry_topic-", "im_replay-count"})
            List<String> stripHeaderPrefixes,
            @DefaultValue({"upstream", "routed", "task", "presence", "gateway", "group"}) List<String> allowedTopics,
            List<String> allowedTopicPatterns) {

        public Replay {
            allowedTopics = allowedTopics == null ? List.of() : List.copyOf(allowedTopics);
            allowedTopicPatterns = allowedTopicPatterns == null ? List.of() : List.copyOf(allowedTopicPatterns);
        }
    }

    /**
     * @param defaultRate       records per second when the request names none
     * @param maxRate           highest rate a request may ask for
     * @param maxConcurrentJobs jobs running at once on this instance; more are refused with 429
     * @param pollTimeout       one poll of the source topic
     * @param progressInterval  how often progress is written and a cancel from another instance is noticed
     * @param timestampSkew     a time-range scan reads this far past {@code to_timestamp} (by the broker's time
     *                          index), so that records written out of timestamp order are still found
     */
    public record TopicReplay(
            @DefaultValue("100") @DecimalMin("0.001") double defaultRate,
            @DefaultValue("10000") @DecimalMin("0.001") double maxRate,
            @DefaultValue("2") @Min(1) int maxConcurrentJobs,
            @DefaultValue("500ms") @NotNull Duration pollTimeout,
            @DefaultValue("1s") @NotNull Duration progressInterval,
            @DefaultValue("5m") @NotNull Duration timestampSkew) {
    }

    /**
     * @param defaultPageSize items per page when the request names no {@code limit}
     * @param maxPageSize     largest {@code limit} accepted
     */
    public record Api(
            @DefaultValue("50") @Min(1) int defaultPageSize,
            @DefaultValue("500") @Min(1) int maxPageSize) {
    }
}
