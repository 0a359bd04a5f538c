package io.impipeline.model.codec;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/**
 * Text the pipeline can carry end to end: no NUL character (U+0000), which PostgreSQL's text and jsonb refuse (a
 * message with one would be delivered but never stored: a permanent hole in history), and no unpaired UTF-16
 * surrogate (a {@code \ud800} escape), which has no UTF-8 form. Checked on every string and every field name of a
 * record, so ids, content and metadata alike; the path of the first offence is in the reason's detail. Also no
 * number beyond a double's range ({@code 1e400}): it would be read as Infinity and written back as the string
 * {@code "Infinity"}, so the stored and delivered message would differ from the one sent.
 */
final class StorableText {

    private StorableText() {
    }

    /** Iterative (no recursion), so a deeply nested record cannot exhaust the stack; depth is capped by Jackson. */
    static void check(JsonNode root) {
        Deque<Map.Entry<String, JsonNode>> pending = new ArrayDeque<>();
        pending.push(Map.entry("", root));
        while (!pending.isEmpty()) {
            Map.Entry<String, JsonNode> entry = pending.pop();
            String path = entry.getKey();
            JsonNode node = entry.getValue();
            if (node.isString()) {
                require(node.stringValue(), path.isEmpty() ? "value" : path);
            } else if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
                throw Fields.invalid(ReasonCode.INVALID_FIELD, (path.isEmpty() ? "value" : path)
                        + " is a number beyond the range of a double");
            } else if (node.isObject()) {
                for (Map.Entry<String, JsonNode> field : node.properties()) {
                    String fieldPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                    require(field.getKey(), "a field name in " + (path.isEmpty() ? "the record" : path));
                    pending.push(Map.entry(fieldPath, field.getValue()));
                }
            } else if (node.isArray()) {
                for (int i = 0; i < node.size(); i++) {
                    pending.push(Map.entry(path + "[" + i + "]", node.get(i)));
                }
            }
        }
    }

    private static void require(String text, String where) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u0000') {
                throw Fields.invalid(ReasonCode.INVALID_FIELD, where + " contains a NUL character (U+0000)");
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                    continue;
                }
                throw Fields.invalid(ReasonCode.INVALID_FIELD, where + " contains an unpaired surrogate");
            }
            if (Character.isLowSurrogate(c)) {
                throw Fields.invalid(ReasonCode.INVALID_FIELD, where + " contains an unpaired surrogate");
            }
        }
    }
}
