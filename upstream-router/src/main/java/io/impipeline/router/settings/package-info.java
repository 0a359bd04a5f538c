/**
 * The router's typed settings, {@code im.router.*} ({@link io.impipeline.router.settings.RouterProperties}, with the
 * content filter's). Depends on no other router package: the content filter, the topology and the HTTP ingress read
 * it, and {@code config}, which builds them all, stays on top with nothing depending on it.
 */
package io.impipeline.router.settings;
