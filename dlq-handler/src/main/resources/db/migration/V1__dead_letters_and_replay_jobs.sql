-- Every dead letter, stored once: unique on the dead-letter record's own coordinates (DLQ topic, partition,
-- offset), so a redelivery of the same record stores nothing new (docs/decisions.md).
CREATE TABLE dead_letters (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dlq_topic          TEXT        NOT NULL,
    dlq_partition      INTEGER     NOT NULL,
    dlq_offset         BIGINT      NOT NULL,
    -- The original record, unchanged: key and value as bytes (for replay), as text when valid UTF-8.
    record_key         BYTEA,
    key_text           TEXT,
    value              BYTEA,
    value_text         TEXT,
    -- Every header in order: [{"name", "base64", "text"?, "decoded"?}]; base64 is what a replay sends.
    headers            JSONB       NOT NULL,
    -- Decoded from im_dlt-* and kafka_dlt-* headers; null when the writer did not set them.
    stage              TEXT,
    reason             TEXT,
    exception_class    TEXT,
    exception_message  TEXT,
    original_topic     TEXT,
    original_partition INTEGER,
    original_offset    BIGINT,
    original_timestamp TIMESTAMPTZ,
    -- The dead-letter record's Kafka timestamp.
    failed_at          TIMESTAMPTZ NOT NULL,
    captured_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    status             TEXT        NOT NULL DEFAULT 'NEW',
    status_changed_at  TIMESTAMPTZ,
    replay_count       INTEGER     NOT NULL DEFAULT 0,
    last_replayed_at   TIMESTAMPTZ,
    CONSTRAINT dead_letters_status_ck CHECK (status IN ('NEW', 'REPLAYED', 'DISCARDED')),
    CONSTRAINT dead_letters_source_uk UNIQUE (dlq_topic, dlq_partition, dlq_offset)
);

-- Listing is newest first (id descending, the cursor); the filters an operator uses most get an index each.
CREATE INDEX dead_letters_original_topic_idx ON dead_letters (original_topic, id);
CREATE INDEX dead_letters_status_idx ON dead_letters (status, id);
CREATE INDEX dead_letters_reason_idx ON dead_letters (reason, id);
CREATE INDEX dead_letters_failed_at_idx ON dead_letters (failed_at);

-- Topic-range replays: the plan, progress and outcome, so that any instance can report or cancel a job.
CREATE TABLE replay_jobs (
    id               UUID        PRIMARY KEY,
    source_topic     TEXT        NOT NULL,
    target_topic     TEXT        NOT NULL,
    from_offset      BIGINT,
    to_offset        BIGINT,
    from_timestamp   TIMESTAMPTZ,
    to_timestamp     TIMESTAMPTZ,
    rate_per_second  DOUBLE PRECISION NOT NULL,
    status           TEXT        NOT NULL,
    -- Per partition: {"<partition>": {"start", "end", "position"}}.
    progress         JSONB       NOT NULL,
    planned          BIGINT      NOT NULL,
    scanned          BIGINT      NOT NULL DEFAULT 0,
    copied           BIGINT      NOT NULL DEFAULT 0,
    cancel_requested BOOLEAN     NOT NULL DEFAULT FALSE,
    error            TEXT,
    owner            TEXT        NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at      TIMESTAMPTZ,
    CONSTRAINT replay_jobs_status_ck CHECK (status IN ('RUNNING', 'COMPLETED', 'CANCELLED', 'FAILED'))
);

CREATE INDEX replay_jobs_created_idx ON replay_jobs (created_at DESC);
