-- trace_events takes several rows per message at the pipeline's full rate. Its unique B-tree on (message_id,
-- src_partition, src_offset) was the most expensive part of storing a row: message ids are random, so every insert
-- lands on another leaf page of an index that grows with the retention, and ON CONFLICT makes each insert a
-- speculative one. Measured (docs/benchmarks.md, session 7): batches of 500 rows three times as fast without it.
--
-- Stored once, now by progress: the next offset to store per source partition, kept in the transaction that stores
-- the rows (the consumer's offsets in Kafka are committed afterwards, so a redelivered record is below it and
-- skipped). Keyed by topic as well: a renamed trace topic starts its own progress. A recreated topic whose offsets
-- start again is caught when its partitions are assigned (progress beyond the partition's end is reset).
-- After this migration the progress starts empty: records redelivered by a crash in the first batch are stored twice.
CREATE TABLE trace_progress (
    src_topic     TEXT    NOT NULL,
    src_partition INTEGER NOT NULL,
    next_offset   BIGINT  NOT NULL,
    PRIMARY KEY (src_topic, src_partition)
);

DROP INDEX trace_events_message_source_uk;
-- Every lookup is by message id (then sender, in a handful of rows): a hash index answers it, and inserting into
-- it touches one bucket page whatever the key.
CREATE INDEX trace_events_message_hash ON trace_events USING hash (message_id);
