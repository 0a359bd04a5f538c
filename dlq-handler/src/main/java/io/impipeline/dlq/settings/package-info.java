/**
 * The dlq-handler's typed settings: {@code im.dlq.*} ({@link io.impipeline.dlq.settings.DlqProperties}) and the raw
 * consumer properties. Depends on no other dlq package, so that {@code capture}, {@code replay} and {@code web} read
 * their settings without importing {@code config}, which wires them and on which nothing depends.
 */
package io.impipeline.dlq.settings;
