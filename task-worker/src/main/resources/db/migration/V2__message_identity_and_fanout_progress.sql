-- Contract v2 (ARCHITECTURE §5, §7): a message is identified by (from_user_id, message_id), the pair the router
-- de-duplicates on; two senders may use the same message_id.

-- Push ledger: one row per (user, message) with the sender in the key. Rows written before this migration take their
-- sender from the history (message_id was unique there until now), or '' when the message was never stored.
ALTER TABLE push_notifications ADD COLUMN from_user_id VARCHAR(128);
UPDATE push_notifications p SET from_user_id = m.from_user_id FROM messages m WHERE m.message_id = p.message_id;
UPDATE push_notifications SET from_user_id = '' WHERE from_user_id IS NULL;
ALTER TABLE push_notifications ALTER COLUMN from_user_id SET NOT NULL;
ALTER TABLE push_notifications DROP CONSTRAINT push_notifications_pk;
-- Message first: a batch claims and marks the rows of one message (user_id = ANY (...)).
ALTER TABLE push_notifications ADD CONSTRAINT push_notifications_pk PRIMARY KEY (from_user_id, message_id, user_id);

-- History: idempotent inserts ON CONFLICT (from_user_id, message_id) DO NOTHING need a unique key on the pair (the
-- order of its columns does not matter to ON CONFLICT). message_id first, so that the same index also serves
-- GET /api/v1/messages/{messageId} (every sender's message with that id): no third index on the table's hot path.
ALTER TABLE messages DROP CONSTRAINT messages_pk;
ALTER TABLE messages ADD CONSTRAINT messages_pk PRIMARY KEY (message_id, from_user_id);

-- Group fan-out progress, one row per fan-out (group, message). Each page of a fan-out is written in its own Kafka
-- transaction together with the task that continues the fan-out (its cursor in headers); this row learns, from each
-- continuation it sees, how many pages are committed, and which task record owns the page being written. It makes a
-- fan-out delivered again after it committed (a replay, an offset reset) write nothing, and lets a replay without
-- the cursor resume where the fan-out stopped. See docs/task-worker.md.
CREATE TABLE fanout_progress (
    group_id       VARCHAR(128) NOT NULL,
    from_user_id   VARCHAR(128) NOT NULL,
    message_id     VARCHAR(128) NOT NULL,
    pages_done     INT          NOT NULL DEFAULT 0,    -- pages known to be committed to Kafka
    last_user_id   VARCHAR(128) NOT NULL DEFAULT '',   -- keyset cursor after those pages
    routed_records BIGINT       NOT NULL DEFAULT 0,    -- routed records in those pages
    claimed_page   INT,                                -- the page being written ...
    claimed_by     VARCHAR(64),                        -- ... by this task record ("partition:offset" on the task topic)
    done           BOOLEAN      NOT NULL DEFAULT false,
    started_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
    finished_at    TIMESTAMPTZ,
    CONSTRAINT fanout_progress_pk PRIMARY KEY (group_id, from_user_id, message_id)
);
-- Finished fan-outs are forgotten after im.worker.fanout.progress-retention.
CREATE INDEX fanout_progress_finished ON fanout_progress (finished_at) WHERE done;
