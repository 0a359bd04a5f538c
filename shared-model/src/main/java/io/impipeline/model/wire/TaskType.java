package io.impipeline.model.wire;

import com.fasterxml.jackson.annotation.JsonProperty;

public enum TaskType {
    @JsonProperty("persist_message") PERSIST_MESSAGE("persist_message"),
    @JsonProperty("offline_push") OFFLINE_PUSH("offline_push"),
    @JsonProperty("group_fanout") GROUP_FANOUT("group_fanout");

    private final String wireName;

    TaskType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
