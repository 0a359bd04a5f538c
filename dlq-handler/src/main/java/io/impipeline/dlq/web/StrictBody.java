package io.impipeline.dlq.web;

import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import io.impipeline.model.codec.WireJson;
import io.impipeline.platform.web.ApiException;
import tools.jackson.core.JacksonException;

/**
 * Reads a JSON request body into a record, refusing unknown fields: a misspelt filter ({@code orginal_topic}) must
 * be a 400, not a replay or discard of everything.
 */
final class StrictBody {

    private StrictBody() {
    }

    static <T extends Record> T read(Map<String, Object> body, Class<T> type) {
        Set<String> known = Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName)
                .map(StrictBody::snakeCase).collect(Collectors.toCollection(TreeSet::new));
        Set<String> unknown = new TreeSet<>(body.keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw ApiException.badRequest(ApiException.UNKNOWN_FIELD,
                    "unknown field(s) " + unknown + "; known: " + known);
        }
        try {
            return WireJson.mapper().convertValue(body, type);
        } catch (JacksonException | IllegalArgumentException e) {
            throw ApiException.invalidField("a field has the wrong type; known fields: " + known);
        }
    }

    /** The record's component names as the wire spells them ({@code ratePerSecond} -> {@code rate_per_second}). */
    private static String snakeCase(String camel) {
        return camel.replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT);
    }
}
