/**
 * What the steps ({@code persist}, {@code push}, {@code fanout}) and the orchestrator ({@code task}) share: a task
 * and its record (with its place on the task topic), the failures of single tasks, the outage and data-error tests,
 * the retry headers and the meters. Depends on no other worker package, so that the steps never import the
 * orchestrator that calls them.
 */
package io.impipeline.worker.batch;
