/**
 * Request parsing shared by the REST layer ({@code web}) and the replay planner ({@code replay}), so that
 * {@code replay} does not import {@code web}.
 */
package io.impipeline.dlq.api;
