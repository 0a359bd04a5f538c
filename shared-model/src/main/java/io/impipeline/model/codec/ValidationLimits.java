package io.impipeline.model.codec;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * Limits of the wire contract ({@code im.validation.*}).
 *
 * @param maxRecordBytes   largest accepted record, in bytes (default 1 MiB)
 * @param maxContentBytes  largest {@code content}, in UTF-8 bytes (default 64 KiB)
 * @param maxScheduleAhead how far ahead {@code deliver_at} may be (default 30 days)
 * @param maxIdLength      longest id ({@code message_id}, user, conversation, group, device ids; default 128)
 * @param maxGroupMembers  most members a group record may list (default 100,000)
 * @param maxGroupRecordBytes largest group record on {@code im-group-topic} (default 2 MiB, the topics'
 *                         {@code max.message.bytes}): it lists every member, so 100,000 members of ids up to ~18
 *                         characters fit; longer ids need a larger limit (and topic) or fewer members
 * @param maxClockSkew     how far in the future a heartbeat's or presence event's {@code timestamp} may be (default
 *                         5 minutes): a heartbeat from the future would keep a dead gateway "live" until then
 * @param maxDerivedRecordBytes largest record the pipeline derives and reads back ({@code im-routed-topic},
 *                         {@code im-task-topic}; default 2 MiB, the topics' {@code max.message.bytes}): a record
 *                         derived from an accepted message is that message plus an envelope (seq, recipients, task
 *                         fields), so it must not be held to {@code maxRecordBytes}; shared-platform sets it to
 *                         {@code im.topics.max-message-bytes} unless it is configured
 */
public record ValidationLimits(
        @Min(1024) Integer maxRecordBytes,
        @Min(1) Integer maxContentBytes,
        @NotNull Duration maxScheduleAhead,
        @Min(1) Integer maxIdLength,
        @Min(1) Integer maxGroupMembers,
        Duration maxClockSkew,
        @Min(1024) Integer maxGroupRecordBytes,
        @Min(1024) Integer maxDerivedRecordBytes) {

    public static final int DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;
    public static final int DEFAULT_MAX_CONTENT_BYTES = 64 * 1024;
    public static final Duration DEFAULT_MAX_SCHEDULE_AHEAD = Duration.ofDays(30);
    public static final int DEFAULT_MAX_ID_LENGTH = 128;
    public static final int DEFAULT_MAX_GROUP_MEMBERS = 100_000;
    public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofMinutes(5);
    public static final int DEFAULT_MAX_GROUP_RECORD_BYTES = 2 * 1024 * 1024;
    public static final int DEFAULT_MAX_DERIVED_RECORD_BYTES = 2 * 1024 * 1024;

    public ValidationLimits(Integer maxRecordBytes, Integer maxContentBytes, Duration maxScheduleAhead,
                            Integer maxIdLength, Integer maxGroupMembers) {
        this(maxRecordBytes, maxContentBytes, maxScheduleAhead, maxIdLength, maxGroupMembers, null, null, null);
    }

    /** A field left out (null) takes its default (shared-platform binds {@code im.validation.*} to this record). */
    public ValidationLimits {
        maxRecordBytes = maxRecordBytes == null ? DEFAULT_MAX_RECORD_BYTES : maxRecordBytes;
        maxContentBytes = maxContentBytes == null ? DEFAULT_MAX_CONTENT_BYTES : maxContentBytes;
        maxScheduleAhead = maxScheduleAhead == null ? DEFAULT_MAX_SCHEDULE_AHEAD : maxScheduleAhead;
        maxIdLength = maxIdLength == null ? DEFAULT_MAX_ID_LENGTH : maxIdLength;
        maxGroupMembers = maxGroupMembers == null ? DEFAULT_MAX_GROUP_MEMBERS : maxGroupMembers;
        maxClockSkew = maxClockSkew == null ? DEFAULT_MAX_CLOCK_SKEW : maxClockSkew;
        maxGroupRecordBytes = maxGroupRecordBytes == null ? DEFAULT_MAX_GROUP_RECORD_BYTES : maxGroupRecordBytes;
        maxDerivedRecordBytes = maxDerivedRecordBytes == null ? DEFAULT_MAX_DERIVED_RECORD_BYTES
                : maxDerivedRecordBytes;
    }

    public static ValidationLimits defaults() {
        return new ValidationLimits(null, null, null, null, null);
    }
}
