package io.impipeline.launcher.hostile;

import java.util.List;

import io.impipeline.model.codec.ReasonCode;

/** The outcome a hostile record must get, decided from the contract (ARCHITECTURE §3-§5) and the code. */
public sealed interface Expectation {

    /** Effects checked whatever the outcome (e.g. "not persisted" for a refused message). */
    List<Effect> effects();

    /** Accepted and processed: every effect holds, and no dead letter names the record. */
    record Processed(List<Effect> effects) implements Expectation {
        public Processed {
            effects = List.copyOf(effects);
        }
    }

    /** Exactly one dead letter with this reason, found by the record's original topic, partition and offset. */
    record DeadLettered(String dlqTopic, ReasonCode reason, List<Effect> effects) implements Expectation {
        public DeadLettered {
            effects = List.copyOf(effects);
        }
    }

    /**
     * Kept out of use by a global table, which cannot dead-letter: dropped by Kafka Streams (a record without a key,
     * or one the table's deserializer refuses; counted in the global task's {@code dropped-records}), or stored and
     * marked unusable (the dispatcher's gateway table holds bytes: an entry that is no valid heartbeat of its key is
     * listed {@code unreadable}; counted by {@code im_dispatcher_gateways_unreadable}).
     *
     * @param counter {@link #DROPPED} or {@link #UNREADABLE}
     */
    record Skipped(String app, String counter, List<Effect> effects) implements Expectation {
        public static final String DROPPED = "dropped-records";
        public static final String UNREADABLE = "unreadable entries";

        public Skipped {
            effects = List.copyOf(effects);
        }
    }

    /**
     * Refused by the broker itself, before any app sees it (e.g. a record without a key on a compacted topic): the
     * send fails with this exception class (simple name).
     */
    record BrokerRefused(String exception) implements Expectation {
        @Override
        public List<Effect> effects() {
            return List.of();
        }
    }

    /**
     * The HTTP answer: status and error code ({@code error} of the body, or the {@code reason} of the first rejected
     * message of a batch; null: not checked). {@code then}: what must happen to the accepted messages (null: none).
     */
    record Http(int status, String code, Expectation then) implements Expectation {
        @Override
        public List<Effect> effects() {
            return then == null ? List.of() : then.effects();
        }
    }
}
