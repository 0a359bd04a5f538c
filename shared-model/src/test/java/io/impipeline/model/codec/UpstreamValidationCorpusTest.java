package io.impipeline.model.codec;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A corpus of upstream records, good and bad, each with the outcome it must get: valid, or a rejection with one
 * stable reason code. Every reason code the validator can give appears at least once.
 */
class UpstreamValidationCorpusTest {

    private static final long NOW = 1_700_000_000_000L;
    private static final WireValidator VALIDATOR = new WireValidator(ValidationLimits.defaults(),
            Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
    /** null: the record must be accepted. */
    private static final ReasonCode VALID = null;

    static Map<String, Object> good() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("message_id", "msg_123");
        m.put("from_user_id", "user_123");
        m.put("to_user_id", "user_456");
        m.put("conversation_id", "conv_123");
        m.put("content", "Hello World");
        m.put("message_type", "text");
        m.put("metadata", Map.of());
        m.put("gateway_id", "gateway_001");
        m.put("device_id", "phone-1");
        m.put("timestamp", NOW);
        m.put("version", "1.0");
        m.put("group_id", null);
        m.put("deliver_at", null);
        return m;
    }

    static byte[] json(Consumer<Map<String, Object>> change) {
        Map<String, Object> m = good();
        change.accept(m);
        return WireJson.toBytes(m);
    }

    static Arguments record(String name, byte[] bytes, ReasonCode expected) {
        return Arguments.of(name, bytes, expected);
    }

    static Arguments change(String name, Consumer<Map<String, Object>> change, ReasonCode expected) {
        return Arguments.of(name, json(change), expected);
    }

    static Stream<Arguments> corpus() {
        String big = "x".repeat(1024 * 1024 + 1);
        return Stream.of(
                change("the spec's single-chat example", m -> { }, VALID),
                change("group chat with group_id and no to_user_id",
                        m -> { m.put("to_user_id", null); m.put("group_id", "group_1"); }, VALID),
                change("scheduled 29 days ahead", m -> m.put("deliver_at", NOW + Duration.ofDays(29).toMillis()), VALID),
                change("image with its metadata", m -> { m.put("message_type", "image");
                    m.put("metadata", Map.of("width", 800, "height", 600, "size", 1024000, "format", "jpg")); }, VALID),
                change("file with its metadata", m -> { m.put("message_type", "file");
                    m.put("metadata", Map.of("filename", "a.pdf", "size", 2048000, "mime_type", "application/pdf")); },
                        VALID),
                change("location with its metadata", m -> { m.put("message_type", "location");
                    m.put("metadata", Map.of("latitude", 39.9042, "longitude", 116.4074, "accuracy", 10)); }, VALID),
                change("system_group with its metadata", m -> { m.put("message_type", "system_group");
                    m.put("metadata", Map.of("action", "invite", "group_id", "group_1")); }, VALID),
                change("system_conversation with its metadata", m -> { m.put("message_type", "system_conversation");
                    m.put("metadata", Map.of("action", "create", "conversation_id", "conv_1")); }, VALID),
                change("no device_id (optional)", m -> m.remove("device_id"), VALID),
                change("unknown extra field is tolerated", m -> m.put("client_hint", "x"), VALID),
                change("message_id of 128 characters", m -> m.put("message_id", "m".repeat(128)), VALID),
                change("content of exactly 64 KiB", m -> m.put("content", "c".repeat(64 * 1024)), VALID),

                record("empty value", new byte[0], ReasonCode.EMPTY_RECORD),
                record("null value (tombstone)", null, ReasonCode.EMPTY_RECORD),
                record("non-UTF-8 bytes", new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'},
                        ReasonCode.INVALID_ENCODING),
                record("not JSON at all", "hello".getBytes(StandardCharsets.UTF_8), ReasonCode.MALFORMED_JSON),
                record("truncated JSON", "{\"message_id\":\"m".getBytes(StandardCharsets.UTF_8),
                        ReasonCode.MALFORMED_JSON),
                record("a JSON array instead of an object", WireJson.toBytes(List.of(good())), ReasonCode.MALFORMED_JSON),
                record("duplicate keys", "{\"message_id\":\"a\",\"message_id\":\"b\"}".getBytes(StandardCharsets.UTF_8),
                        ReasonCode.MALFORMED_JSON),
                record("a value of 1 MiB + 1 byte", big.getBytes(StandardCharsets.UTF_8), ReasonCode.TOO_LARGE),
                change("content over 64 KiB", m -> m.put("content", "c".repeat(64 * 1024 + 1)), ReasonCode.TOO_LARGE),
                change("content over 64 KiB in UTF-8 bytes though fewer chars",
                        m -> m.put("content", "消".repeat(22_000)), ReasonCode.TOO_LARGE),
                change("missing message_id", m -> m.remove("message_id"), ReasonCode.MISSING_FIELD),
                change("null from_user_id", m -> m.put("from_user_id", null), ReasonCode.MISSING_FIELD),
                change("missing conversation_id", m -> m.remove("conversation_id"), ReasonCode.MISSING_FIELD),
                change("missing content", m -> m.remove("content"), ReasonCode.MISSING_FIELD),
                change("missing gateway_id", m -> m.remove("gateway_id"), ReasonCode.MISSING_FIELD),
                change("missing timestamp", m -> m.remove("timestamp"), ReasonCode.MISSING_FIELD),
                change("missing version", m -> m.remove("version"), ReasonCode.MISSING_FIELD),
                change("neither to_user_id nor group_id", m -> m.remove("to_user_id"), ReasonCode.MISSING_FIELD),
                change("both to_user_id and group_id", m -> m.put("group_id", "group_1"), ReasonCode.INVALID_FIELD),
                change("message_id of 129 characters", m -> m.put("message_id", "m".repeat(129)),
                        ReasonCode.INVALID_FIELD),
                change("empty message_id", m -> m.put("message_id", ""), ReasonCode.INVALID_FIELD),
                change("unknown message_type", m -> m.put("message_type", "sticker"), ReasonCode.INVALID_FIELD),
                change("image without width", m -> { m.put("message_type", "image");
                    m.put("metadata", Map.of("height", 600, "size", 1024000, "format", "jpg")); },
                        ReasonCode.MISSING_FIELD),
                change("image with a negative width", m -> { m.put("message_type", "image");
                    m.put("metadata", Map.of("width", -1, "height", 600, "size", 1, "format", "jpg")); },
                        ReasonCode.INVALID_FIELD),
                change("file without metadata", m -> { m.put("message_type", "file"); m.remove("metadata"); },
                        ReasonCode.MISSING_FIELD),
                change("location with latitude 91", m -> { m.put("message_type", "location");
                    m.put("metadata", Map.of("latitude", 91, "longitude", 0)); }, ReasonCode.INVALID_FIELD),
                change("metadata that is a string", m -> m.put("metadata", "x"), ReasonCode.INVALID_FIELD),
                change("timestamp as a string", m -> m.put("timestamp", "yesterday"), ReasonCode.INVALID_FIELD),
                change("negative timestamp", m -> m.put("timestamp", -5), ReasonCode.INVALID_FIELD),
                change("content as a number", m -> m.put("content", 12), ReasonCode.INVALID_FIELD),
                change("gateway_id unsafe for a topic name", m -> m.put("gateway_id", "gw/1"), ReasonCode.INVALID_FIELD),
                change("version 2.0", m -> m.put("version", "2.0"), ReasonCode.UNSUPPORTED_VERSION),
                change("deliver_at 31 days ahead", m -> m.put("deliver_at", NOW + Duration.ofDays(31).toMillis()),
                        ReasonCode.SCHEDULE_TOO_FAR),
                // Hostile input (issue 12): what PostgreSQL cannot store never enters the pipeline.
                change("NUL in content", m -> m.put("content", "a\u0000b"), ReasonCode.INVALID_FIELD),
                change("NUL in message_id", m -> m.put("message_id", "m\u0000"), ReasonCode.INVALID_FIELD),
                change("NUL in from_user_id", m -> m.put("from_user_id", "\u0000"), ReasonCode.INVALID_FIELD),
                change("NUL in a metadata value", m -> m.put("metadata", Map.of("format", "x\u0000")),
                        ReasonCode.INVALID_FIELD),
                change("NUL in a metadata field name", m -> m.put("metadata", Map.of("k\u0000", "v")),
                        ReasonCode.INVALID_FIELD),
                change("NUL in an unknown extra field", m -> m.put("client_hint", List.of("\u0000")),
                        ReasonCode.INVALID_FIELD),
                record("unpaired surrogate escape in content",
                        new String(json(m -> m.put("content", "SURROGATE")), StandardCharsets.UTF_8)
                                .replace("SURROGATE", "\\ud800").getBytes(StandardCharsets.UTF_8),
                        ReasonCode.INVALID_FIELD),
                record("1e400 in metadata would be stored as \"Infinity\"",
                        new String(json(m -> m.put("metadata", Map.of("n", "NUM"))), StandardCharsets.UTF_8)
                                .replace("\"NUM\"", "1e400").getBytes(StandardCharsets.UTF_8),
                        ReasonCode.INVALID_FIELD),
                record("1.5e308 in metadata is a finite number",
                        new String(json(m -> m.put("metadata", Map.of("n", "NUM"))), StandardCharsets.UTF_8)
                                .replace("\"NUM\"", "1.5e308").getBytes(StandardCharsets.UTF_8), VALID),
                change("a paired surrogate (emoji) is fine", m -> m.put("content", "\uD83D\uDE00"), VALID),
                change("system_notice is the pipeline's own", m -> m.put("message_type", "system_notice"),
                        ReasonCode.INVALID_FIELD),
                record("JSON nested 10,000 deep", ("{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000))
                        .getBytes(StandardCharsets.UTF_8), ReasonCode.MALFORMED_JSON),
                change("timestamp beyond long", m -> m.put("timestamp", new java.math.BigInteger("99999999999999999999")),
                        ReasonCode.INVALID_FIELD),
                change("timestamp in year 9999 is a number like any other", m -> m.put("timestamp", 253_402_300_799_000L),
                        VALID),
                change("an array of 100,000 elements in metadata", m -> m.put("metadata",
                        Map.of("tags", java.util.Collections.nCopies(100_000, 1))), VALID));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("corpus")
    void eachRecordGetsItsExpectedOutcome(String name, byte[] bytes, ReasonCode expected) {
        Decoded<?> decoded = VALIDATOR.decodeUpstream(bytes);
        if (expected == VALID) {
            assertThat(decoded.isValid()).as(name + ": " + (decoded.isValid() ? "" : decoded.rejection())).isTrue();
        } else {
            assertThat(decoded.isValid()).as(name + " must be rejected").isFalse();
            assertThat(decoded.rejection().reason()).as(name + ": " + decoded.rejection().detail()).isEqualTo(expected);
            assertThat(decoded.rejection().detail()).isNotBlank();
        }
    }

    @Test
    void corpusCoversEveryReasonCodeTheValidatorGives() {
        Set<ReasonCode> covered = corpus().map(a -> (ReasonCode) a.get()[2]).filter(r -> r != null)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(ReasonCode.class)));
        Set<ReasonCode> validatorCodes = EnumSet.of(ReasonCode.EMPTY_RECORD, ReasonCode.INVALID_ENCODING,
                ReasonCode.MALFORMED_JSON, ReasonCode.MISSING_FIELD, ReasonCode.INVALID_FIELD, ReasonCode.TOO_LARGE,
                ReasonCode.UNSUPPORTED_VERSION, ReasonCode.SCHEDULE_TOO_FAR);
        assertThat(covered).containsAll(validatorCodes);
    }

    @Test
    void rejectionDetailNamesTheFieldButNeverTheContent() {
        Decoded<?> decoded = VALIDATOR.decodeUpstream(json(m -> { m.put("message_type", "image");
            m.put("content", "secret-url"); m.put("metadata", Map.of("height", 1, "size", 1, "format", "jpg")); }));
        assertThat(decoded.rejection().detail()).contains("metadata.width").doesNotContain("secret-url");
    }

    @Test
    void malformedJsonDetailSaysWhereButNeverQuotesWhatTheSenderWrote() {
        Decoded<?> decoded = VALIDATOR.decodeUpstream("{\"content\": secret-words-here}"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(decoded.rejection().reason()).isEqualTo(ReasonCode.MALFORMED_JSON);
        assertThat(decoded.rejection().detail()).contains("line 1").doesNotContain("secret");
    }
}
