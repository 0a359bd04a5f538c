-- The console pauses and resumes message trace writing on the writer apps (issue 15): an operator's change like the
-- others, so the audit log takes it (action trace_writing, target the app).
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_ck;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_ck CHECK (action IN ('replay', 'discard', 'bulk_replay',
    'bulk_discard', 'topic_replay_start', 'topic_replay_cancel', 'trace_writing'));
