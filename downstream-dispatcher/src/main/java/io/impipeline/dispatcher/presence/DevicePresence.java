package io.impipeline.dispatcher.presence;

/** One online device: the gateway holding its connection and the time of the {@code online} event that said so. */
public record DevicePresence(String gatewayId, long since) {
}
