package io.impipeline.model.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.GatewayHeartbeat;
import io.impipeline.model.wire.GroupMembership;
import io.impipeline.model.wire.PresenceEvent;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.Task;
import io.impipeline.model.wire.UpstreamMessage;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Whatever an outside producer writes, the validator answers with a valid record or a stable reason, and never
 * throws; the serdes fail only with Kafka's {@link SerializationException} (which the Streams apps' handlers and
 * the global tables' skip logic expect), never with anything else.
 */
class HostileBytesPropertyTest {

    private static final WireValidator VALIDATOR = WireValidator.withDefaults();
    private static final List<Function<byte[], Decoded<?>>> DECODERS = List.of(
            VALIDATOR::decodeUpstream, VALIDATOR::decodeRouted, VALIDATOR::decodePresence,
            VALIDATOR::decodeHeartbeat, VALIDATOR::decodeGroup, VALIDATOR::decodeTask);
    private static final List<String> CONTRACT_FIELDS = List.of("message_id", "from_user_id", "to_user_id",
            "conversation_id", "content", "message_type", "metadata", "gateway_id", "device_id", "timestamp",
            "version", "group_id", "deliver_at", "seq", "recipient_id", "recipient_ids", "user_id", "status",
            "members", "task_type", "task_id", "payload", "user_ids", "message", "width", "latitude");

    @Property(tries = 500)
    void arbitraryBytesGetAValidRecordOrAReasonFromEveryDecoder(@ForAll("bytes") byte[] bytes) {
        for (Function<byte[], Decoded<?>> decoder : DECODERS) {
            Decoded<?> decoded = decoder.apply(bytes);
            assertOutcome(decoded);
        }
    }

    @Property(tries = 500)
    void arbitraryJsonGetsAValidRecordOrAReasonFromEveryDecoder(@ForAll("json") String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        for (Function<byte[], Decoded<?>> decoder : DECODERS) {
            assertOutcome(decoder.apply(bytes));
        }
    }

    @Property(tries = 300)
    void serdesFailOnlyWithSerializationException(@ForAll("json") String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        List<org.apache.kafka.common.serialization.Deserializer<?>> deserializers = List.of(
                new ValidatingSerde.GroupMemberships().deserializer(),
                new ValidatingSerde.GatewayHeartbeats().deserializer(),
                WireSerde.of(UpstreamMessage.class).deserializer(), WireSerde.of(RoutedMessage.class).deserializer(),
                WireSerde.of(DownstreamMessage.class).deserializer(), WireSerde.of(Task.class).deserializer(),
                WireSerde.of(PresenceEvent.class).deserializer(), WireSerde.of(GatewayHeartbeat.class).deserializer(),
                WireSerde.of(GroupMembership.class).deserializer());
        for (org.apache.kafka.common.serialization.Deserializer<?> deserializer : deserializers) {
            try {
                deserializer.deserialize("t", bytes);
            } catch (SerializationException expected) {
                // the one failure the callers handle
            }
        }
    }

    @Property(tries = 300)
    void aValidUpstreamRecordSurvivesAnyExtraFieldWithoutThrowing(@ForAll("json") String extra) {
        String record = "{\"message_id\":\"m\",\"from_user_id\":\"u\",\"to_user_id\":\"v\",\"conversation_id\":\"c\","
                + "\"content\":\"hi\",\"message_type\":\"text\",\"gateway_id\":\"g\",\"timestamp\":1,"
                + "\"version\":\"1.0\",\"extra\":" + extra + "}";
        assertThatCode(() -> assertOutcome(VALIDATOR.decodeUpstream(record.getBytes(StandardCharsets.UTF_8))))
                .doesNotThrowAnyException();
    }

    private static void assertOutcome(Decoded<?> decoded) {
        assertThat(decoded).isNotNull();
        if (decoded.isValid()) {
            assertThat(decoded.value()).isNotNull();
        } else {
            assertThat(decoded.rejection().reason()).isNotNull();
            assertThat(decoded.rejection().detail()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<byte[]> bytes() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(512),
                // bytes that start like JSON get further into the decoders
                Arbitraries.bytes().array(byte[].class).ofMaxSize(256).map(b -> {
                    byte[] withBrace = new byte[b.length + 1];
                    withBrace[0] = '{';
                    System.arraycopy(b, 0, withBrace, 1, b.length);
                    return withBrace;
                }));
    }

    @Provide
    Arbitrary<String> json() {
        return value(4).map(HostileBytesPropertyTest::render);
    }

    private static Arbitrary<Object> value(int depth) {
        Arbitrary<Object> scalar = Arbitraries.oneOf(
                text().map(s -> (Object) s),
                Arbitraries.longs().map(l -> (Object) l),
                Arbitraries.of("99999999999999999999999", "-1", "0", "1e400", "NaN", "-0.0", "1.5")
                        .map(n -> (Object) new RawNumber(n)),
                Arbitraries.of(true, false).map(b -> (Object) b),
                Arbitraries.just(null));
        if (depth == 0) {
            return scalar;
        }
        Arbitrary<Object> list = value(depth - 1).list().ofMaxSize(4).map(l -> (Object) l);
        Arbitrary<Object> object = Combinators.combine(
                Arbitraries.oneOf(Arbitraries.of(CONTRACT_FIELDS), text()).list().ofMaxSize(8),
                value(depth - 1).list().ofSize(8)).as((keys, values) -> {
                    Map<String, Object> map = new LinkedHashMap<>();
                    for (int i = 0; i < keys.size(); i++) {
                        map.put(keys.get(i), values.get(i));
                    }
                    return (Object) map;
                });
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(2, scalar), net.jqwik.api.Tuple.of(1, list), net.jqwik.api.Tuple.of(4, object));
    }

    private static Arbitrary<String> text() {
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(12),
                Arbitraries.strings().withChars('\u0000', '\ud800', '\udc00', 'a', '"', '\\', '\n', '/')
                        .ofMaxLength(6),
                Arbitraries.of("text", "image", "file", "location", "system_notice", "online", "up",
                        "persist_message", "offline_push", "group_fanout", "1.0", "gw-1"));
    }

    private record RawNumber(String literal) {
    }

    private static String render(Object value) {
        StringBuilder out = new StringBuilder();
        render(value, out);
        return out.toString();
    }

    @SuppressWarnings("unchecked")
    private static void render(Object value, StringBuilder out) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String s) {
            out.append('"');
            for (char c : s.toCharArray()) {
                if (c == '"' || c == '\\') {
                    out.append('\\').append(c);
                } else if (c < 0x20 || Character.isSurrogate(c)) {
                    out.append(String.format("\\u%04x", (int) c));
                } else {
                    out.append(c);
                }
            }
            out.append('"');
        } else if (value instanceof RawNumber n) {
            out.append(n.literal());
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            List<String> parts = new ArrayList<>();
            ((Map<String, Object>) map).forEach((k, v) -> {
                StringBuilder part = new StringBuilder();
                render(k, part);
                part.append(':');
                render(v, part);
                parts.add(part.toString());
            });
            out.append(String.join(",", parts)).append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                render(list.get(i), out);
            }
            out.append(']');
        } else {
            out.append(value);
        }
    }
}
