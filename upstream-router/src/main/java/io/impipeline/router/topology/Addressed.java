package io.impipeline.router.topology;

import java.util.List;

import io.impipeline.model.wire.UpstreamMessage;

/** A message with its group's members as they were when it reached sequencing (empty for a single chat). */
record Addressed(UpstreamMessage message, List<String> members) {
}
