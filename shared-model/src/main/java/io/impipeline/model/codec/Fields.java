package io.impipeline.model.codec;

import java.util.Set;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;

/**
 * Field rules over a JSON tree, each throwing {@link Invalid} with a stable reason and the field's path. Used only
 * by {@link WireValidator}, so that every rule of the contract lives in one place.
 */
final class Fields {

    /** Ids that end up in topic names (gateway ids) must be valid Kafka topic characters. */
    static final Pattern TOPIC_SAFE_ID = Pattern.compile("[A-Za-z0-9._-]+");

    private Fields() {
    }

    static final class Invalid extends RuntimeException {
        final ReasonCode reason;

        Invalid(ReasonCode reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }
    }

    static Invalid invalid(ReasonCode reason, String detail) {
        return new Invalid(reason, detail);
    }

    static boolean present(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && !v.isNull();
    }

    static JsonNode required(JsonNode node, String path, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw invalid(ReasonCode.MISSING_FIELD, path + field + " is required");
        }
        return v;
    }

    static String text(JsonNode node, String path, String field, int maxLength) {
        JsonNode v = required(node, path, field);
        return checkText(v, path + field, maxLength);
    }

    static String optionalText(JsonNode node, String path, String field, int maxLength) {
        return present(node, field) ? checkText(node.get(field), path + field, maxLength) : null;
    }

    private static String checkText(JsonNode v, String name, int maxLength) {
        if (!v.isString()) {
            throw invalid(ReasonCode.INVALID_FIELD, name + " must be a string");
        }
        String s = v.stringValue();
        if (s.isBlank()) {
            throw invalid(ReasonCode.INVALID_FIELD, name + " must not be blank");
        }
        if (s.length() > maxLength) {
            throw invalid(ReasonCode.INVALID_FIELD, name + " is longer than " + maxLength + " characters");
        }
        return s;
    }

    static String topicSafeId(JsonNode node, String path, String field, int maxLength) {
        String s = text(node, path, field, maxLength);
        if (!TOPIC_SAFE_ID.matcher(s).matches()) {
            throw invalid(ReasonCode.INVALID_FIELD, path + field + " may only contain letters, digits, '.', '_' and '-'");
        }
        return s;
    }

    static long wholeNumber(JsonNode node, String path, String field, long min) {
        JsonNode v = required(node, path, field);
        return checkWhole(v, path + field, min);
    }

    static Long optionalWholeNumber(JsonNode node, String path, String field, long min) {
        return present(node, field) ? checkWhole(node.get(field), path + field, min) : null;
    }

    private static long checkWhole(JsonNode v, String name, long min) {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw invalid(ReasonCode.INVALID_FIELD, name + " must be a whole number");
        }
        long value = v.longValue();
        if (value < min) {
            throw invalid(ReasonCode.INVALID_FIELD, name + " must be at least " + min);
        }
        return value;
    }

    static double number(JsonNode node, String path, String field, double min, double max) {
        JsonNode v = required(node, path, field);
        return checkNumber(v, path + field, min, max);
    }

    static void optionalNumber(JsonNode node, String path, String field, double min, double max) {
        if (present(node, field)) {
            checkNumber(node.get(field), path + field, min, max);
        }
    }

    private static double checkNumber(JsonNode v, String name, double min, double max) {
        if (!v.isNumber()) {
            throw invalid(ReasonCode.INVALID_FIELD, name + " must be a number");
        }
        double d = v.doubleValue();
        if (d < min || d > max || Double.isNaN(d)) {
            throw invalid(ReasonCode.INVALID_FIELD, name + " must be between " + min + " and " + max);
        }
        return d;
    }

    static String oneOf(JsonNode node, String path, String field, Set<String> allowed) {
        JsonNode v = required(node, path, field);
        if (!v.isString() || !allowed.contains(v.stringValue())) {
            throw invalid(ReasonCode.INVALID_FIELD, path + field + " must be one of " + allowed);
        }
        return v.stringValue();
    }

    static JsonNode object(JsonNode node, String path, String field) {
        JsonNode v = required(node, path, field);
        if (!v.isObject()) {
            throw invalid(ReasonCode.INVALID_FIELD, path + field + " must be an object");
        }
        return v;
    }

    static JsonNode array(JsonNode node, String path, String field) {
        JsonNode v = required(node, path, field);
        if (!v.isArray()) {
            throw invalid(ReasonCode.INVALID_FIELD, path + field + " must be an array");
        }
        return v;
    }
}
