package io.impipeline.dispatcher.topology;

import io.impipeline.model.dlq.DeadLetter;
import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.Task;

/** What the dispatch step emits for a routed record; each kind leaves the topology through its own branch. */
public sealed interface Dispatch {

    /** One downstream record for one gateway's topic. */
    record Delivery(String gatewayId, DownstreamMessage message) implements Dispatch {
    }

    /** An {@code offline_push} task (the record's key is the task key). */
    record OfflinePush(Task task) implements Dispatch {
    }

    /** A record that goes to the dead-letter topic. */
    record DeadLettered(DeadLetter letter) implements Dispatch {
    }
}
