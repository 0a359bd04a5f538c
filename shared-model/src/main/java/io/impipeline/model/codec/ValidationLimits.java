package io.impipeline.model.codec;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Limits of the wire contract ({@code im.validation.*}).
 *
 * @param maxRecordBytes   largest accepted record, in bytes (default 1 MiB)
 * @param maxContentBytes  largest {@code content}, in UTF-8 bytes (default 64 KiB)
 * @param maxScheduleAhead how far ahead {@code deliver_at} may be (default 30 days)
 * @param maxIdLength      longest id ({@code message_id}, user, conversation, group, device ids; default 128)
 * @param maxGroupMembers  most members a group record may list (default 100,000)
 */
@Validated
@ConfigurationProperties("im.validation")
public record ValidationLimits(
        @DefaultValue("1048576") @Min(1024) int maxRecordBytes,
        @DefaultValue("65536") @Min(1) int maxContentBytes,
        @DefaultValue("30d") @NotNull Duration maxScheduleAhead,
        @DefaultValue("128") @Min(1) int maxIdLength,
        @DefaultValue("100000") @Min(1) int maxGroupMembers) {

    public static ValidationLimits defaults() {
        return new ValidationLimits(1024 * 1024, 64 * 1024, Duration.ofDays(30), 128, 100_000);
    }
}
