-- The operations console's chart of dead letters by reason over time (GET /api/v1/overview) counts them by
-- arrival, over the last hour by default.
CREATE INDEX dead_letters_captured_at_idx ON dead_letters (captured_at);
