package io.impipeline.dispatcher.gateway;

/** Whether a gateway's downstream topic exists, so that nothing is ever written to a missing topic. */
public interface GatewayTopics {

    /**
     * True when the topic of {@code gatewayId} exists. Cheap when it does; when its creation is still in flight the
     * caller waits for it, boundedly; false when it cannot be had now (the gateway is then not deliverable).
     */
    boolean awaitReady(String gatewayId);

    /** Whether the topic is known to exist, without waiting or creating (for queries). */
    boolean isReady(String gatewayId);
}
