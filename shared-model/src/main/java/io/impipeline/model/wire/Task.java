package io.impipeline.model.wire;

import tools.jackson.databind.JsonNode;

/**
 * An asynchronous task on {@code im-task-topic} (spec format). The payload stays a JSON tree on the wire. Plain data,
 * like every wire record: {@link io.impipeline.model.codec.Tasks} makes tasks from their payloads and reads a
 * payload as its type.
 */
public record Task(TaskType taskType, String taskId, JsonNode payload, long timestamp, int retryCount, String version) {

    public static final String CURRENT_VERSION = "1.0";
}
