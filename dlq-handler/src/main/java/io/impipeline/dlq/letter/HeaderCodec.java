package io.impipeline.dlq.letter;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

import io.impipeline.model.codec.WireJson;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.springframework.kafka.support.KafkaHeaders;
import tools.jackson.core.type.TypeReference;

/**
 * Headers to and from the jsonb column; keeps order and repeats, so that a replay sends exactly what came in. Every
 * string written is storable in jsonb (names PostgreSQL cannot hold go to {@code name_base64}, values are base64
 * and their text only when it is clean UTF-8).
 */
public final class HeaderCodec {

    private static final Set<String> INT_HEADERS = Set.of(KafkaHeaders.DLT_ORIGINAL_PARTITION);
    private static final Set<String> LONG_HEADERS = Set.of(KafkaHeaders.DLT_ORIGINAL_OFFSET,
            KafkaHeaders.DLT_ORIGINAL_TIMESTAMP);
    private static final TypeReference<List<StoredHeader>> LIST = new TypeReference<>() {
    };

    private HeaderCodec() {
    }

    public static List<StoredHeader> decode(Headers headers) {
        List<StoredHeader> out = new ArrayList<>();
        for (Header h : headers) {
            byte[] v = h.value();
            out.add(StoredHeader.of(h.key(), v == null ? null : Base64.getEncoder().encodeToString(v),
                    binary(h.key()) ? null : Bytes.utf8OrNull(v), decodedNumber(h.key(), v)));
        }
        return out;
    }

    public static String toJson(List<StoredHeader> headers) {
        return WireJson.mapper().writeValueAsString(headers);
    }

    public static List<StoredHeader> fromJson(String json) {
        return WireJson.mapper().readValue(json, LIST);
    }

    private static boolean binary(String name) {
        return INT_HEADERS.contains(name) || LONG_HEADERS.contains(name);
    }

    private static Object decodedNumber(String name, byte[] v) {
        if (v == null) {
            return null;
        }
        if (INT_HEADERS.contains(name) && v.length == Integer.BYTES) {
            return ByteBuffer.wrap(v).getInt();
        }
        if (LONG_HEADERS.contains(name) && v.length == Long.BYTES) {
            return ByteBuffer.wrap(v).getLong();
        }
        return null;
    }
}
