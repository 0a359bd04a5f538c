-- Findable dead letters: the message's identity, taken at capture from a value that is a JSON object (top-level
-- fields, else those of its "payload", as in tasks). Null when the value is not such JSON and for rows captured
-- before this version (no backfill).
ALTER TABLE dead_letters
    ADD COLUMN message_id      TEXT,
    ADD COLUMN from_user_id    TEXT,
    ADD COLUMN conversation_id TEXT,
    -- Why the full dead letter could not be stored (reason CAPTURE_FAILED); null for every normal row.
    ADD COLUMN capture_error   TEXT;

-- The extracted ids are at most 256 characters (checked at capture), so B-tree entries stay small.
CREATE INDEX dead_letters_message_id_idx ON dead_letters (message_id, id);
CREATE INDEX dead_letters_from_user_id_idx ON dead_letters (from_user_id, id);
CREATE INDEX dead_letters_conversation_id_idx ON dead_letters (conversation_id, id);
-- A key can be as large as a record: a B-tree entry could not hold it (and the insert would fail), a hash index
-- keeps only the hash and serves the equality filter.
CREATE INDEX dead_letters_key_text_idx ON dead_letters USING hash (key_text);
