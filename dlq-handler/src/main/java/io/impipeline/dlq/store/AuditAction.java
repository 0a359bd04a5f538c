package io.impipeline.dlq.store;

import java.util.Locale;

/** What an operator did; stored by its wire name ({@code bulk_replay}, ...). */
public enum AuditAction {
    /** One dead letter replayed (target: its id). */
    REPLAY,
    /** One dead letter discarded (target: its id). */
    DISCARD,
    /** Dead letters replayed by filter (target: the filter; count: how many were replayed). */
    BULK_REPLAY,
    /** Dead letters discarded by filter (target: the filter; count: how many). */
    BULK_DISCARD,
    /** A topic replay started (target: the job id; count: records planned). */
    TOPIC_REPLAY_START,
    /** A topic replay cancelled (target: the job id). */
    TOPIC_REPLAY_CANCEL,
    /**
     * Message trace writing paused or resumed on an app from the console (target: the app; detail: {@code writing}
     * after the change, and the app's URL). Written after the app answered: the change is the app's, not in this
     * database's transaction.
     */
    TRACE_WRITING;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
