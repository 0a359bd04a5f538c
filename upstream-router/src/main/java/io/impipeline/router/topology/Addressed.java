package io.impipeline.router.topology;

import java.util.List;

import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.UpstreamMessage;

/** A message with its group's members as they were when it was sequenced (empty for a single chat). */
record Addressed(UpstreamMessage message, List<String> members) {

    /** After sequencing. */
    record Sequenced(SequencedMessage sequenced, List<String> members) {
    }
}
