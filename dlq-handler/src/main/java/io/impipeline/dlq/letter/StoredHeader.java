package io.impipeline.dlq.letter;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One Kafka header as stored in {@code dead_letters.headers}: the exact bytes (base64, what a replay sends), the
 * text when it is UTF-8, and {@code decoded} for spring-kafka's binary headers (partition, offset, timestamp).
 *
 * <p>{@code name} is the header's name when PostgreSQL can store it as it is. A name it cannot store (a NUL
 * character) is kept exactly in {@code nameBase64} (its UTF-8 bytes, base64), and {@code name} is then only a
 * display form with U+FFFD where the NUL was. So {@code nameBase64} present means: the real name is there.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StoredHeader(String name, String base64, String text, Object decoded, String nameBase64) {

    public StoredHeader(String name, String base64, String text, Object decoded) {
        this(name, base64, text, decoded, null);
    }

    /** A header with this exact name: stored as is, or as a display form plus its base64 when not storable. */
    public static StoredHeader of(String exactName, String base64, String text, Object decoded) {
        if (Bytes.storable(exactName)) {
            return new StoredHeader(exactName, base64, text, decoded, null);
        }
        return new StoredHeader(Bytes.lenientText(exactName), base64, text, decoded,
                Base64.getEncoder().encodeToString(exactName.getBytes(StandardCharsets.UTF_8)));
    }

    /** The header's name exactly as the record carried it (what a replay sends). */
    public String originalName() {
        return nameBase64 == null ? name : new String(Base64.getDecoder().decode(nameBase64), StandardCharsets.UTF_8);
    }

    public byte[] bytes() {
        return base64 == null ? null : Base64.getDecoder().decode(base64);
    }
}
