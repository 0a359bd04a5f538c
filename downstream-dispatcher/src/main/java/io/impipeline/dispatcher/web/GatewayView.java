package io.impipeline.dispatcher.web;

/**
 * One gateway of {@code GET /api/v1/gateways}: what it last reported, what the dispatcher makes of it
 * ({@code live}, {@code draining}, {@code down}, {@code stale}), and its downstream topic.
 */
public record GatewayView(String gatewayId, String status, String state, long lastHeartbeat, long ageMillis,
                          String topic, boolean topicReady) {
}
