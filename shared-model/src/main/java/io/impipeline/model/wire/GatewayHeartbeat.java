package io.impipeline.model.wire;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A gateway's periodic heartbeat ({@code im-gateway-topic}, compacted, key {@code gateway_id}). */
public record GatewayHeartbeat(String gatewayId, Status status, long timestamp) {

    public enum Status {
        @JsonProperty("up") UP,
        @JsonProperty("draining") DRAINING,
        @JsonProperty("down") DOWN
    }

    /** Live: says {@code up} and is younger than the timeout. Draining, down and stale gateways get no deliveries. */
    public boolean isLive(long nowMillis, long timeoutMillis) {
        return status == Status.UP && nowMillis - timestamp <= timeoutMillis;
    }
}
