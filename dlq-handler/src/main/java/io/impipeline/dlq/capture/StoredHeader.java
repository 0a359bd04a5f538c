package io.impipeline.dlq.capture;

import java.util.Base64;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One Kafka header as stored in {@code dead_letters.headers}: the exact bytes (base64, what a replay sends), the
 * text when it is UTF-8, and {@code decoded} for spring-kafka's binary headers (partition, offset, timestamp).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StoredHeader(String name, String base64, String text, Object decoded) {

    public byte[] bytes() {
        return base64 == null ? null : Base64.getDecoder().decode(base64);
    }
}
