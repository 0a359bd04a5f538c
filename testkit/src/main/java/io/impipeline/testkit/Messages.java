package io.impipeline.testkit;

import java.util.LinkedHashMap;
import java.util.Map;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.wire.UpstreamMessage;

/** Fixtures: valid upstream messages, and their JSON as a mutable map to break on purpose. */
public final class Messages {

    private Messages() {
    }

    public static UpstreamMessage text(String messageId, String from, String to, String conversation, long timestamp) {
        return new UpstreamMessage(messageId, from, to, conversation, "hello " + messageId, "text", Map.of(),
                "gateway_001", "phone-1", timestamp, UpstreamMessage.CURRENT_VERSION, null, null);
    }

    public static UpstreamMessage groupText(String messageId, String from, String group, long timestamp) {
        return new UpstreamMessage(messageId, from, null, "conv_" + group, "hello " + messageId, "text", Map.of(),
                "gateway_001", "phone-1", timestamp, UpstreamMessage.CURRENT_VERSION, group, null);
    }

    /** A valid single-chat text message as a JSON object map (snake_case), ready to be altered. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> textJson() {
        Map<String, Object> map = WireJson.mapper().convertValue(
                text("msg_123", "user_123", "user_456", "conv_123", 1_640_995_200_000L), LinkedHashMap.class);
        return map;
    }

    public static byte[] bytes(Object value) {
        return WireJson.toBytes(value);
    }
}
