package io.impipeline.model.wire;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A device coming online or going offline on a gateway ({@code im-presence-topic}, key {@code user_id}). */
public record PresenceEvent(String userId, String deviceId, String gatewayId, Status status, long timestamp) {

    public enum Status {
        @JsonProperty("online") ONLINE,
        @JsonProperty("offline") OFFLINE
    }
}
