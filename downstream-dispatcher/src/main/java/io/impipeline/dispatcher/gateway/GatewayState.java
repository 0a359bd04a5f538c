package io.impipeline.dispatcher.gateway;

import io.impipeline.model.wire.GatewayHeartbeat;

/** A gateway as the dispatcher sees it: live (gets deliveries), draining, down, or stale (heartbeat too old). */
public enum GatewayState {
    LIVE, DRAINING, DOWN, STALE;

    public static GatewayState of(GatewayHeartbeat heartbeat, long nowMillis, long timeoutMillis) {
        if (nowMillis - heartbeat.timestamp() > timeoutMillis) {
            return STALE;
        }
        return switch (heartbeat.status()) {
            case UP -> LIVE;
            case DRAINING -> DRAINING;
            case DOWN -> DOWN;
        };
    }

    public String wireName() {
        return name().toLowerCase();
    }
}
