package io.impipeline.model.wire;

import java.util.Arrays;
import java.util.Optional;

/** The {@code message_type} values of the wire contract. */
public enum MessageType {
    TEXT("text"),
    IMAGE("image"),
    FILE("file"),
    LOCATION("location"),
    SYSTEM_CONVERSATION("system_conversation"),
    SYSTEM_GROUP("system_group"),
    /** Made by the pipeline itself, e.g. to tell a sender that the content filter rejected a message. */
    SYSTEM_NOTICE("system_notice");

    private final String wireName;

    MessageType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<MessageType> fromWire(String value) {
        return Arrays.stream(values()).filter(t -> t.wireName.equals(value)).findFirst();
    }
}
