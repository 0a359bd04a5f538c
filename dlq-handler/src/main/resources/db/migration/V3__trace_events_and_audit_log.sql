-- Message trace (issue 15): what each stage did with a message, materialised from im-trace-topic by this app, plus
-- the stages this app adds itself (dead_lettered, replayed, discarded). Kept im.dlq.trace.retention (3 days, the
-- topic's retention), deleted on a schedule.
CREATE TABLE trace_events (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id    TEXT        NOT NULL,
    from_user_id  TEXT        NOT NULL,
    -- TraceStage wire name (accepted, routed, ..., dead_lettered, replayed, discarded).
    stage         TEXT        NOT NULL,
    -- spring.application.name of the app that did it.
    app           TEXT        NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    -- A few stage-specific facts, never message content.
    detail        JSONB       NOT NULL DEFAULT '{}'::jsonb,
    -- Where the event was read on im-trace-topic; null for the rows this app writes itself.
    src_partition INTEGER,
    src_offset    BIGINT,
    stored_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Stored once: a redelivered trace record (crash between the insert and the offset commit, rebalance) conflicts on
-- its coordinates. The message id leads, so this index also serves every lookup (by message, then sender); with it
-- in the key, a recreated topic whose offsets start again cannot collide with rows still kept.
CREATE UNIQUE INDEX trace_events_message_source_uk ON trace_events (message_id, src_partition, src_offset);
-- Retention deletes by time.
CREATE INDEX trace_events_at_idx ON trace_events (at);

-- Every change an operator makes through the API, written in the transaction of the change where possible.
CREATE TABLE audit_log (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor  TEXT        NOT NULL,
    action TEXT        NOT NULL,
    target TEXT,
    count  BIGINT      NOT NULL DEFAULT 0,
    detail JSONB       NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT audit_log_action_ck CHECK (action IN ('replay', 'discard', 'bulk_replay', 'bulk_discard',
        'topic_replay_start', 'topic_replay_cancel'))
);
