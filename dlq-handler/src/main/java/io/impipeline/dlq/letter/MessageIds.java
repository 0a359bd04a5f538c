package io.impipeline.dlq.letter;

import io.impipeline.model.codec.WireJson;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * {@code message_id}, {@code from_user_id} and {@code conversation_id} of a dead letter whose value is a JSON
 * object: top-level fields (upstream and routed records), else those of a top-level {@code payload} object (tasks).
 * Read with a streaming parser (a value up to the record limit is not turned into a tree); anything that is not
 * such JSON, or a field that is not a short storable string or integer, gives null: the columns hold the field
 * exactly or nothing.
 */
public record MessageIds(String messageId, String fromUserId, String conversationId) {

    /** Longer values are not taken (the contract allows 128 characters for a message id). */
    public static final int MAX_LENGTH = 256;
    static final MessageIds NONE = new MessageIds(null, null, null);

    private static final String MESSAGE_ID = "message_id";
    private static final String FROM_USER_ID = "from_user_id";
    private static final String CONVERSATION_ID = "conversation_id";
    private static final String PAYLOAD = "payload";

    /** Never throws; {@code json} is the value as strict UTF-8 text, or null. */
    public static MessageIds of(String json) {
        if (json == null || json.isEmpty()) {
            return NONE;
        }
        try (JsonParser p = WireJson.mapper().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return NONE;
            }
            Fields top = new Fields();
            Fields payload = new Fields();
            read(p, top, payload);
            return new MessageIds(top.messageId != null ? top.messageId : payload.messageId,
                    top.fromUserId != null ? top.fromUserId : payload.fromUserId,
                    top.conversationId != null ? top.conversationId : payload.conversationId);
        } catch (RuntimeException e) {
            // Not JSON, too deep, duplicate fields: nothing to show, the value itself is stored regardless.
            return NONE;
        }
    }

    public boolean isEmpty() {
        return messageId == null && fromUserId == null && conversationId == null;
    }

    /** Reads the fields of the object the parser is in; {@code nested} (may be null) gets those of {@code payload}. */
    private static void read(JsonParser p, Fields into, Fields nested) {
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.PROPERTY_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (nested != null && PAYLOAD.equals(name) && value == JsonToken.START_OBJECT) {
                read(p, nested, null);
            } else if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                p.skipChildren();
            } else {
                into.take(name, value == JsonToken.VALUE_STRING || value == JsonToken.VALUE_NUMBER_INT
                        ? p.getString() : null);
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw new IllegalStateException("not a JSON object");
        }
    }

    private static final class Fields {
        String messageId;
        String fromUserId;
        String conversationId;

        void take(String name, String raw) {
            String v = raw == null || raw.isEmpty() || raw.length() > MAX_LENGTH || !Bytes.storable(raw) ? null : raw;
            switch (name) {
                case MESSAGE_ID -> messageId = v;
                case FROM_USER_ID -> fromUserId = v;
                case CONVERSATION_ID -> conversationId = v;
                default -> {
                }
            }
        }
    }
}
