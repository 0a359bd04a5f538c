/**
 * The operations console's view of the pipeline ({@code GET /api/v1/overview}): each app's health and readiness,
 * consumer lag and topic throughput from the AdminClient, gateways from the dispatcher, dead letters by reason over
 * time from {@code dead_letters}. Depends on {@code settings} and {@code store} only.
 */
package io.impipeline.dlq.overview;
