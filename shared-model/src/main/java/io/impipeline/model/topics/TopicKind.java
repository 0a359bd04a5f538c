package io.impipeline.model.topics;

/** The topics of the contract (ARCHITECTURE §2), by the short name used under {@code im.topics.specs}. */
public enum TopicKind {
    UPSTREAM("upstream"),
    ROUTED("routed"),
    PRESENCE("presence"),
    GATEWAY("gateway"),
    GROUP("group"),
    TASK("task"),
    /** Message trace events (issue 15): what each stage did with a message, written in its transaction. */
    TRACE("trace");

    private final String key;

    TopicKind(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }
}
