package io.impipeline.dispatcher.topology;

import io.impipeline.model.dlq.DeadLetter;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.Task;

/** What the dispatch step emits for a routed record; each kind leaves the topology through its own branch. */
public sealed interface Dispatch {

    /**
     * One downstream record for one gateway's topic, already encoded: its size was checked against the record
     * limit when it was decided ({@link DownstreamEncoder}), and it is written as those bytes.
     */
    record Delivery(String gatewayId, DownstreamMessage message, byte[] encoded) implements Dispatch {
    }

    /** An {@code offline_push} task (the record's key is the task key) for {@code users} users. */
    record OfflinePush(Task task, int users) implements Dispatch {
    }

    /** A record that goes to the dead-letter topic. */
    record DeadLettered(DeadLetter letter) implements Dispatch {
    }

    /**
     * What was done with the message: a trace event for im-trace-topic (the record's key is the message_id), one per
     * {@link Delivery} and {@link OfflinePush}, only when {@code im.trace.enabled}.
     */
    record Traced(TraceEvent event) implements Dispatch {
    }
}
