package io.impipeline.launcher.hostile;

/** Where a hostile record goes: one of the topics a producer outside the pipeline can write, or the HTTP ingress. */
public enum Target {
    UPSTREAM("im-upstream-topic"),
    PRESENCE("im-presence-topic"),
    GATEWAY("im-gateway-topic"),
    GROUP("im-group-topic"),
    HTTP("POST /api/v1/messages");

    private final String label;

    Target(String label) {
        this.label = label;
    }

    /** The topic name (default names, no prefix) or the HTTP endpoint. */
    public String label() {
        return label;
    }

    public boolean isTopic() {
        return this != HTTP;
    }
}
