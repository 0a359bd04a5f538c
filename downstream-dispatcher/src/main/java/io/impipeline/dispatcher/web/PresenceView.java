package io.impipeline.dispatcher.web;

import java.util.List;

/**
 * The answer of {@code GET /api/v1/presence/{userId}}: the user's online devices and whether each one's gateway is
 * live now (a device on a draining, down or stale gateway gets no deliveries).
 */
public record PresenceView(String userId, boolean online, List<Device> devices) {

    public record Device(String deviceId, String gatewayId, long since, String gatewayState) {
    }
}
