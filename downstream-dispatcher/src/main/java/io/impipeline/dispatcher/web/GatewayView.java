package io.impipeline.dispatcher.web;

/**
 * One gateway of {@code GET /api/v1/gateways}: what it last reported, what the dispatcher makes of it
 * ({@code live}, {@code draining}, {@code down}, {@code stale}, or {@code unreadable}: the latest record under that
 * key is no usable heartbeat, {@code problem} says why, and the gateway counts as down), and its downstream topic.
 */
public record GatewayView(String gatewayId, String status, String state, Long lastHeartbeat, Long ageMillis,
                          String topic, boolean topicReady, String problem) {

    static final String UNREADABLE = "unreadable";
}
