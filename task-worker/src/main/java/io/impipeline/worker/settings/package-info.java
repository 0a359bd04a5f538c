/**
 * The worker's typed settings: {@code im.worker.*} ({@link io.impipeline.worker.settings.WorkerProperties}), the
 * topic and group names resolved from them ({@link io.impipeline.worker.settings.WorkerTopics}, the bean
 * {@code workerTopics} that {@code @KafkaListener} reads with SpEL) and the listener factories' bean names. Depends
 * on no other worker package: the steps, the listeners and the history API read it, and {@code config}, which wires
 * them all, stays on top with nothing depending on it.
 */
package io.impipeline.worker.settings;
