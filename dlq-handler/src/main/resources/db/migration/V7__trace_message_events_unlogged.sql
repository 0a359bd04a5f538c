-- The trace store's cost (issue 15, docs/benchmarks.md session 10): PostgreSQL was the largest item of the trace's
-- cost, a row per event with its WAL (a full-page image of every hash bucket page touched first after a checkpoint).
--
-- What the trace topic holds is stored as one row per message, sender and batch (the events of a message that arrive
-- in one poll of the trace listener: a mixed message's routed, delivered and push_task events mostly do), in an
-- UNLOGGED table: no WAL. Unlogged tables are emptied by crash recovery (and are not on a streaming replica): the
-- store is then rebuilt from im-trace-topic, which keeps every event as long as the trace does (3 days). Its progress
-- is unlogged too, so a crash empties both together; trace_sources (logged) remembers which source partitions were
-- stored, so the listener can tell an emptied store (a partition it has stored before without progress) from a new
-- partition, and reads that partition again from its start.
--
-- trace_events keeps what exists only in PostgreSQL: the dlq-handler's own stages (dead_lettered, replayed,
-- discarded), written in the transaction that changes the dead letter; they must survive a crash.
CREATE UNLOGGED TABLE trace_message_events (
    message_id   TEXT        NOT NULL,
    from_user_id TEXT        NOT NULL,
    -- The latest event's time: the retention deletes a row when the last of its events is past it.
    at           TIMESTAMPTZ NOT NULL,
    -- [{"stage": ..., "app": ..., "at": epoch ms, "detail": {...}}, ...] in the order read from the topic.
    events       JSONB       NOT NULL,
    -- Where the first of them was read: every event of a message is on one partition (key message_id), so the
    -- offset orders a message's rows as the topic does.
    src_partition INTEGER    NOT NULL,
    src_offset    BIGINT     NOT NULL
);
CREATE INDEX trace_message_events_message_hash ON trace_message_events USING hash (message_id);
CREATE INDEX trace_message_events_at_brin ON trace_message_events USING brin (at);

CREATE TABLE trace_sources (
    src_topic     TEXT    NOT NULL,
    src_partition INTEGER NOT NULL,
    PRIMARY KEY (src_topic, src_partition)
);
INSERT INTO trace_sources (src_topic, src_partition) SELECT src_topic, src_partition FROM trace_progress;

-- The events read from the topic so far, one row each as before, move to the new table.
INSERT INTO trace_message_events (message_id, from_user_id, at, events, src_partition, src_offset)
SELECT message_id, from_user_id, at,
       jsonb_build_array(jsonb_build_object('stage', stage, 'app', app,
           'at', (extract(epoch FROM at) * 1000)::bigint, 'detail', detail)),
       src_partition, src_offset
FROM trace_events WHERE src_partition IS NOT NULL;
DELETE FROM trace_events WHERE src_partition IS NOT NULL;

ALTER TABLE trace_progress SET UNLOGGED;
