package io.impipeline.router.settings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Behaviour of the router ({@code im.router.*}).
 *
 * @param dedupWindow         how long a (from_user_id, message_id) pair is remembered (retention of the dedup store)
 * @param scheduleTick        wall-clock period of the punctuator that releases scheduled messages
 * @param scheduleReleaseMax  most scheduled messages released per tick and task, so a burst cannot stall a thread
 * @param smallGroupMax       groups up to this size are expanded by the router; larger ones become a group_fanout task
 * @param fanoutBatchSize     {@code batch_size} of a group_fanout task
 * @param senderSync          single chat: also route a {@code sync} copy to the sender's other devices
 * @param maxIngressBatch     most messages in one {@code POST /api/v1/messages}
 * @param ingressTimeout      how long the HTTP ingress waits for the broker to acknowledge a batch
 * @param maxIngressBytes     largest {@code POST /api/v1/messages} body; the ingress stops reading at this size and
 *                            answers 413, so a request never holds more than this in memory
 * @param maxDerivedRecordBytes largest record the router writes (routed copy, group batch, task, notice, dead
 *                            letter), as Kafka's producer measures it (key, value, headers, batch overhead). The
 *                            limit applied is the lower of this and the Streams producer's {@code max.request.size}
 *                            ({@link io.impipeline.platform.kafka.RecordSizeGuard}); a message whose records would
 *                            exceed it is dead-lettered {@code TOO_LARGE} instead of failing the producer
 * @param filter              the content filter
 */
@Validated
@ConfigurationProperties("im.router")
public record RouterProperties(
        @DefaultValue("24h") @NotNull Duration dedupWindow,
        @DefaultValue("1s") @NotNull Duration scheduleTick,
        @DefaultValue("10000") @Min(1) int scheduleReleaseMax,
        @DefaultValue("200") @Min(0) int smallGroupMax,
        @DefaultValue("200") @Min(1) int fanoutBatchSize,
        @DefaultValue("true") boolean senderSync,
        @DefaultValue("100") @Min(1) @Max(10_000) int maxIngressBatch,
        @DefaultValue("10s") @NotNull Duration ingressTimeout,
        @DefaultValue("16MB") @NotNull DataSize maxIngressBytes,
        @DefaultValue("2MB") @NotNull DataSize maxDerivedRecordBytes,
        @DefaultValue @Valid Filter filter) {

    public enum FilterMode { MASK, REJECT }

    /**
     * @param words      blocked words, inline
     * @param wordsFile  a UTF-8 file with one blocked word per line (added to {@code words}); blank lines and lines
     *                   starting with {@code #} are ignored
     * @param mode       {@code mask} (matches replaced by {@code mask-char}) or {@code reject} (sender gets a notice)
     * @param maskChar   replacement character
     * @param ignoreCase match regardless of case
     * @param noticeText text of the {@code system_notice} a sender gets when a message is rejected
     */
    public record Filter(
            @DefaultValue({}) List<String> words,
            Path wordsFile,
            @DefaultValue("mask") @NotNull FilterMode mode,
            @DefaultValue("*") char maskChar,
            @DefaultValue("true") boolean ignoreCase,
            @DefaultValue("Your message was not delivered: it contains words that are not allowed.")
            @NotBlank String noticeText) {
    }

    /** Defaults, for tests and tools. */
    public static RouterProperties defaults() {
        return new RouterProperties(Duration.ofHours(24), Duration.ofSeconds(1), 10_000, 200, 200, true, 100,
                Duration.ofSeconds(10), DataSize.ofMegabytes(16), DataSize.ofMegabytes(2), new Filter(List.of(),
                null, FilterMode.MASK, '*', true,
                "Your message was not delivered: it contains words that are not allowed."));
    }

    public RouterProperties withFilter(Filter newFilter) {
        return new RouterProperties(dedupWindow, scheduleTick, scheduleReleaseMax, smallGroupMax, fanoutBatchSize,
                senderSync, maxIngressBatch, ingressTimeout, maxIngressBytes, maxDerivedRecordBytes, newFilter);
    }

    public RouterProperties withSmallGroupMax(int max) {
        return new RouterProperties(dedupWindow, scheduleTick, scheduleReleaseMax, max, fanoutBatchSize,
                senderSync, maxIngressBatch, ingressTimeout, maxIngressBytes, maxDerivedRecordBytes, filter);
    }

    public RouterProperties withMaxIngressBytes(DataSize max) {
        return new RouterProperties(dedupWindow, scheduleTick, scheduleReleaseMax, smallGroupMax, fanoutBatchSize,
                senderSync, maxIngressBatch, ingressTimeout, max, maxDerivedRecordBytes, filter);
    }

    public RouterProperties withMaxDerivedRecordBytes(DataSize max) {
        return new RouterProperties(dedupWindow, scheduleTick, scheduleReleaseMax, smallGroupMax, fanoutBatchSize,
                senderSync, maxIngressBatch, ingressTimeout, maxIngressBytes, max, filter);
    }
}
