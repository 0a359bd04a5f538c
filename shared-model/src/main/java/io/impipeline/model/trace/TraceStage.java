package io.impipeline.model.trace;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What a stage of the pipeline did with a message (issue 15), in the order a message normally meets them. The wire
 * names are stable: the trace API, the console and stored trace rows use them.
 */
public enum TraceStage {
    /**
     * router: valid, admitted and not seen before (detail: partition, offset of the upstream record). Not written as
     * an event of its own: the router's next event of the message ({@code routed}, {@code held}, {@code filtered})
     * carries it in its detail as {@code accepted: {at, partition, offset}}, and the trace API shows it as this stage.
     */
    @JsonProperty("accepted") ACCEPTED,
    /** router: (from_user_id, message_id) seen within the dedup window; dropped. */
    @JsonProperty("duplicate") DUPLICATE,
    /** router: the content filter dropped it (detail: action). */
    @JsonProperty("filtered") FILTERED,
    /** router: the content filter masked words in it; it goes on. */
    @JsonProperty("masked") MASKED,
    /** router: held until deliver_at (detail: deliver_at). */
    @JsonProperty("held") HELD,
    /** router: a held message released at its deliver_at. */
    @JsonProperty("released") RELEASED,
    /** router: seq assigned and routed (detail: seq, recipients, routed partitions, tasks). */
    @JsonProperty("routed") ROUTED,
    /** dispatcher: written to a gateway topic (detail: topic, partition, recipients). */
    @JsonProperty("delivered") DELIVERED,
    /** dispatcher: an offline-push task written (detail: users). */
    @JsonProperty("push_task") PUSH_TASK,
    /**
     * task-worker: handed to the push provider (detail: users by status, result). Not written as an event: the
     * dlq-handler reads it from the worker's push ledger ({@code push_notifications}) when a trace is asked for.
     */
    @JsonProperty("pushed") PUSHED,
    /**
     * task-worker: its history row is in PostgreSQL (detail: seq, conversation). Not written as an event: the
     * dlq-handler reads it from the row itself ({@code messages}) when a trace is asked for.
     */
    @JsonProperty("persisted") PERSISTED,
    /** task-worker: a page of a large group's fan-out written (detail: recipients, page). */
    @JsonProperty("fanned_out") FANNED_OUT,
    /** dlq-handler: a dead letter of it stored (detail: stage, reason, topic). */
    @JsonProperty("dead_lettered") DEAD_LETTERED,
    /** dlq-handler: a dead letter of it replayed to its original topic (detail: dead letter id, operator). */
    @JsonProperty("replayed") REPLAYED,
    /** dlq-handler: a dead letter of it discarded (detail: dead letter id, operator). */
    @JsonProperty("discarded") DISCARDED;

    /** The wire name ({@code push_task}, ...). */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static java.util.Optional<TraceStage> fromWire(String value) {
        for (TraceStage stage : values()) {
            if (stage.wireName().equals(value)) {
                return java.util.Optional.of(stage);
            }
        }
        return java.util.Optional.empty();
    }
}
