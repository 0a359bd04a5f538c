package io.impipeline.model.codec;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/** The one JSON mapping of the wire contract: snake_case, nulls left out, unknown fields tolerated. */
public final class WireJson {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .changeDefaultPropertyInclusion(incl -> incl.withValueInclusion(JsonInclude.Include.NON_NULL))
            // Newer producers may add fields; older consumers must keep working.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // A record with the same key twice is ambiguous: reject rather than silently keep the last one.
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private WireJson() {
    }

    public static JsonMapper mapper() {
        return MAPPER;
    }

    public static byte[] toBytes(Object value) {
        return MAPPER.writeValueAsBytes(value);
    }

    public static <T> T fromBytes(byte[] bytes, Class<T> type) {
        return MAPPER.readValue(bytes, type);
    }
}
