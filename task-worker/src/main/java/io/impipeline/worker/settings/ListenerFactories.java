package io.impipeline.worker.settings;

/**
 * Bean names of the listener container factories, for {@code @KafkaListener(containerFactory = ...)}. Here rather
 * than next to the factory's {@code @Bean} method in {@code config}, so that the listeners never import the
 * configuration that creates them.
 */
public final class ListenerFactories {

    /** Batch listeners in Kafka transactions (consume-process-produce) with the outage back-off. */
    public static final String BATCH = "workerBatchListenerFactory";

    private ListenerFactories() {
    }
}
