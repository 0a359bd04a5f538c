package io.impipeline.model.codec;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde for global tables fed by outside producers (gateway heartbeats, group membership): records are validated
 * like every outside record, and a bad one fails deserialization, so that the deserialization exception handler
 * ({@code logAndContinue}) skips it and the table keeps the last good value. A global table cannot branch to a
 * dead-letter topic inside the topology, and returning null would delete the key.
 *
 * <p>Instantiated by class name (the binder's {@code value-serde}), so its limits come through
 * {@link #configure(Map, boolean)}: the keys of {@link #configurationOf(ValidationLimits)}, which shared-platform
 * puts in the Streams configuration from {@code im.validation.*}. Without them: the contract's defaults.
 */
public abstract class ValidatingSerde<T> implements Serde<T> {

    static final String MAX_RECORD_BYTES = "im.validation.max-record-bytes";
    static final String MAX_CONTENT_BYTES = "im.validation.max-content-bytes";
    static final String MAX_SCHEDULE_AHEAD_MS = "im.validation.max-schedule-ahead-ms";
    static final String MAX_ID_LENGTH = "im.validation.max-id-length";
    static final String MAX_GROUP_MEMBERS = "im.validation.max-group-members";
    static final String MAX_CLOCK_SKEW_MS = "im.validation.max-clock-skew-ms";
    static final String MAX_GROUP_RECORD_BYTES = "im.validation.max-group-record-bytes";
    static final String MAX_DERIVED_RECORD_BYTES = "im.validation.max-derived-record-bytes";

    private final BiFunction<WireValidator, byte[], Decoded<T>> decode;
    private final String what;
    private volatile WireValidator validator = WireValidator.withDefaults();

    protected ValidatingSerde(BiFunction<WireValidator, byte[], Decoded<T>> decode, String what) {
        this.decode = decode;
        this.what = what;
    }

    /** The configuration keys that carry {@code limits} to a serde made by class name. */
    public static Map<String, Object> configurationOf(ValidationLimits limits) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(MAX_RECORD_BYTES, limits.maxRecordBytes());
        config.put(MAX_CONTENT_BYTES, limits.maxContentBytes());
        config.put(MAX_SCHEDULE_AHEAD_MS, limits.maxScheduleAhead().toMillis());
        config.put(MAX_ID_LENGTH, limits.maxIdLength());
        config.put(MAX_GROUP_MEMBERS, limits.maxGroupMembers());
        config.put(MAX_CLOCK_SKEW_MS, limits.maxClockSkew().toMillis());
        config.put(MAX_GROUP_RECORD_BYTES, limits.maxGroupRecordBytes());
        config.put(MAX_DERIVED_RECORD_BYTES, limits.maxDerivedRecordBytes());
        return config;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        ValidationLimits limits = new ValidationLimits(intOf(configs, MAX_RECORD_BYTES),
                intOf(configs, MAX_CONTENT_BYTES),
                millisOf(configs, MAX_SCHEDULE_AHEAD_MS),
                intOf(configs, MAX_ID_LENGTH), intOf(configs, MAX_GROUP_MEMBERS), millisOf(configs, MAX_CLOCK_SKEW_MS),
                intOf(configs, MAX_GROUP_RECORD_BYTES), intOf(configs, MAX_DERIVED_RECORD_BYTES));
        this.validator = new WireValidator(limits, Clock.systemUTC());
    }

    /** The limits this serde checks (for tests and diagnostics). */
    public ValidationLimits limits() {
        return validator.limits();
    }

    private static Duration millisOf(Map<String, ?> configs, String key) {
        Object value = configs.get(key);
        return value == null ? null : Duration.ofMillis(Long.parseLong(String.valueOf(value)));
    }

    private static Integer intOf(Map<String, ?> configs, String key) {
        Object value = configs.get(key);
        return value == null ? null : Integer.valueOf(String.valueOf(value));
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, data) -> data == null ? null : WireJson.toBytes(data);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            Decoded<T> decoded = decode.apply(validator, bytes);
            if (!decoded.isValid()) {
                throw new SerializationException("bad " + what + " on " + topic + ": "
                        + decoded.rejection().reason() + " " + decoded.rejection().detail());
            }
            return decoded.value();
        };
    }

    /** The gateway table's serde ({@code im-gateway-topic}). */
    public static final class GatewayHeartbeats extends ValidatingSerde<io.impipeline.model.wire.GatewayHeartbeat> {
        public GatewayHeartbeats() {
            super(WireValidator::decodeHeartbeat, "heartbeat");
        }
    }

    /** The group table's serde ({@code im-group-topic}). */
    public static final class GroupMemberships extends ValidatingSerde<io.impipeline.model.wire.GroupMembership> {
        public GroupMemberships() {
            super(WireValidator::decodeGroup, "group record");
        }
    }
}
