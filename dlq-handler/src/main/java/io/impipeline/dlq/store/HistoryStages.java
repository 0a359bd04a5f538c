package io.impipeline.dlq.store;

import io.impipeline.model.trace.TraceStage;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

/**
 * The task-worker's stages of a message, read from its own tables when a trace is asked for, instead of written as
 * trace events on the hot path (issue 15, docs/dlq-handler.md "Fewer records than stages"):
 * {@code persisted} is the message's history row ({@code messages}, at {@code stored_at}), {@code pushed} its rows in
 * the push ledger ({@code push_notifications}, at the last {@code updated_at}, counted by status). Both rows are
 * written in the database transaction that did the work, so they are that work's own record; a trace event would be
 * a second copy of it, one Kafka record and one stored row per message.
 *
 * <p>The dlq-handler shares the database with the task-worker (ARCHITECTURE §7). Where it does not (or the worker's
 * migrations have not run yet) the tables are not there and the trace has its events only; the check is a catalog
 * lookup per trace query. {@code im.dlq.trace.history-stages=false} turns the reading off.
 */
final class HistoryStages {

    private static final String APP = "task-worker";
    private static final String PERSISTED = """
            SELECT 0 AS id, 0 AS n, message_id, from_user_id, '%s' AS stage, '%s' AS app, stored_at AS at,
                   jsonb_build_object('seq', seq, 'conversation_id', conversation_id, 'from', 'messages')::text
                       AS detail
            FROM messages WHERE message_id = :m AND from_user_id IN (%s)
            """;
    /** One stage per message: its users by status; the reason of a user not sent (the provider's last answer). */
    private static final String PUSHED = """
            SELECT 0 AS id, 0 AS n, message_id, from_user_id, '%s' AS stage, '%s' AS app, max(updated_at) AS at,
                   jsonb_strip_nulls(jsonb_build_object(
                       'users', count(*),
                       'result', CASE WHEN bool_or(status = 'PENDING') THEN 'pending'
                                      WHEN bool_or(status = 'REJECTED') THEN 'rejected' ELSE 'sent' END,
                       'sent', count(*) FILTER (WHERE status = 'SENT'),
                       'rejected', count(*) FILTER (WHERE status = 'REJECTED'),
                       'pending', count(*) FILTER (WHERE status = 'PENDING'),
                       'attempts', max(attempts),
                       'provider', min(provider),
                       'reason', max(last_error) FILTER (WHERE status <> 'SENT'),
                       'from', 'push_notifications'))::text AS detail
            FROM push_notifications WHERE message_id = :m AND from_user_id IN (%s)
            GROUP BY from_user_id, message_id
            """;

    private final NamedParameterJdbcTemplate jdbc;
    private final boolean enabled;

    HistoryStages(NamedParameterJdbcTemplate jdbc, boolean enabled) {
        this.jdbc = jdbc;
        this.enabled = enabled;
    }

    /** Which of the worker's tables this query can read. */
    Tables tables() {
        if (!enabled) {
            return Tables.NONE;
        }
        return jdbc.queryForObject("SELECT to_regclass('messages') IS NOT NULL AS messages,"
                        + " to_regclass('push_notifications') IS NOT NULL AS pushes", new MapSqlParameterSource(),
                (rs, row) -> new Tables(rs.getBoolean("messages"), rs.getBoolean("pushes")));
    }

    /** The worker's tables found in the database. */
    record Tables(boolean messages, boolean pushes) {

        static final Tables NONE = new Tables(false, false);

        /**
         * {@code events} (a select of trace rows for message {@code :m}) with the stages these tables hold for the
         * same message, of the senders {@code senders} selects (the ledger's key starts with the sender).
         */
        String union(String events, String senders) {
            StringBuilder sql = new StringBuilder(events);
            if (messages) {
                sql.append(" UNION ALL ").append(PERSISTED.formatted(TraceStage.PERSISTED.wireName(), APP, senders));
            }
            if (pushes) {
                sql.append(" UNION ALL ").append(PUSHED.formatted(TraceStage.PUSHED.wireName(), APP, senders));
            }
            return sql.toString();
        }
    }
}
