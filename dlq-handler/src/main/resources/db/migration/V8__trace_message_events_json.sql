-- The trace store's cost (issue 15, docs/benchmarks.md session 12): jsonb was the largest part of storing a row.
-- PostgreSQL builds jsonb's binary form from the text (every key sorted, every number parsed); json checks the
-- syntax and keeps the text. Measured with pgbench on rows of a mixed-traffic chaos run (about 870 bytes each),
-- batches of 300 sent as text arrays as the repository does: 21-23 µs per row as jsonb, 11-12 µs as json; the same
-- size on disk (rows over 2 kB are compressed either way). Nothing needs jsonb here: the rows are written once,
-- read by message id (hash index), and the read takes the events apart with json_array_elements.
--
-- The table is unlogged and rebuilt from im-trace-topic when emptied; this rewrites it (on a large store, expect
-- the migration to take a while: roughly the time it took to store the rows).
ALTER TABLE trace_message_events ALTER COLUMN events TYPE json USING events::json;
