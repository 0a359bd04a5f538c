package io.impipeline.dlq.api;

import java.time.Instant;
import java.time.format.DateTimeParseException;

import io.impipeline.platform.web.ApiException;

/** A point in time from a request: ISO-8601 ({@code 2026-11-23T08:00:00Z}) or epoch milliseconds. */
public final class TimeParam {

    private TimeParam() {
    }

    public static Instant parse(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        try {
            return v.chars().allMatch(Character::isDigit) ? Instant.ofEpochMilli(Long.parseLong(v)) : Instant.parse(v);
        } catch (DateTimeParseException | NumberFormatException e) {
            throw ApiException.invalidField(name + " must be ISO-8601 (2026-01-31T12:00:00Z) or epoch milliseconds");
        }
    }
}
