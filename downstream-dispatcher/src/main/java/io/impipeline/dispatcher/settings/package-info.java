/**
 * The dispatcher's typed settings, {@code im.dispatcher.*}
 * ({@link io.impipeline.dispatcher.settings.DispatcherProperties}, with the offline push's). Depends on no other
 * dispatcher package: the gateway topic provisioner, the topology and the presence API read it, and {@code config},
 * which builds them all, stays on top with nothing depending on it.
 */
package io.impipeline.dispatcher.settings;
