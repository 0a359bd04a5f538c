-- task-worker schema (ARCHITECTURE §7). The dlq-handler shares the database with its own Flyway history table.

-- Message history: one row per message, written idempotently (ON CONFLICT (message_id) DO NOTHING).
CREATE TABLE messages (
    message_id       VARCHAR(128) NOT NULL,
    conversation_id  VARCHAR(128) NOT NULL,
    seq              BIGINT       NOT NULL,
    from_user_id     VARCHAR(128) NOT NULL,
    to_user_id       VARCHAR(128),
    group_id         VARCHAR(128),
    message_type     VARCHAR(64)  NOT NULL,
    content          TEXT         NOT NULL,
    metadata         JSONB        NOT NULL DEFAULT '{}'::jsonb,
    gateway_id       VARCHAR(128),
    device_id        VARCHAR(128),
    version          VARCHAR(16)  NOT NULL,
    client_timestamp BIGINT       NOT NULL,           -- epoch ms, set by the client
    accepted_at      BIGINT,                           -- epoch ms, when the router sequenced it
    stored_at        TIMESTAMPTZ  NOT NULL DEFAULT now(),
    trace_id         VARCHAR(32),                      -- W3C trace id of the persist task
    CONSTRAINT messages_pk PRIMARY KEY (message_id)
);
-- Gap recovery reads a conversation in seq order after a known seq.
CREATE INDEX messages_conversation_seq ON messages (conversation_id, seq);

-- Group membership projection, kept from im-group-topic (compacted: the last record per group is its state).
CREATE TABLE groups (
    group_id   VARCHAR(128) NOT NULL PRIMARY KEY,
    version    BIGINT       NOT NULL,
    updated_at TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE TABLE group_members (
    group_id VARCHAR(128) NOT NULL REFERENCES groups (group_id) ON DELETE CASCADE,
    user_id  VARCHAR(128) NOT NULL,
    CONSTRAINT group_members_pk PRIMARY KEY (group_id, user_id)   -- keyset paging of a fan-out by user_id
);

-- Offline pushes: one row per (user_id, message_id), the ledger that makes a push happen once on redelivery.
CREATE TABLE push_notifications (
    user_id         VARCHAR(128) NOT NULL,
    message_id      VARCHAR(128) NOT NULL,
    conversation_id VARCHAR(128),
    push_type       VARCHAR(64),
    title           VARCHAR(512),
    provider        VARCHAR(32)  NOT NULL,
    status          VARCHAR(16)  NOT NULL CHECK (status IN ('PENDING', 'SENT', 'REJECTED')),
    attempts        INT          NOT NULL DEFAULT 0,
    last_error      VARCHAR(1024),
    created_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT push_notifications_pk PRIMARY KEY (user_id, message_id)
);
CREATE INDEX push_notifications_status ON push_notifications (status, updated_at);
