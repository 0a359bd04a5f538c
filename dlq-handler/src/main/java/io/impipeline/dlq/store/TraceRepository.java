package io.impipeline.dlq.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.impipeline.dlq.settings.TraceStoreProperties;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.trace.TraceStage;
import io.impipeline.platform.autoconfigure.TraceProperties;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.core.type.TypeReference;

/**
 * {@code trace_events}: the stages of each message, from {@code im-trace-topic} and from this app's own work on dead
 * letters ({@code dead_lettered}, {@code replayed}, {@code discarded}), which is written in the transaction that
 * stores or changes the dead letter.
 */
@Repository
public class TraceRepository {

    /** The {@code app} of the rows this app writes. */
    public static final String APP = "dlq-handler";

    private static final TypeReference<Map<String, Object>> DETAIL = new TypeReference<>() {
    };
    /** A whole batch, one array per column ({@code at} as ISO-8601 text). */
    private static final String INSERT_ALL = """
            INSERT INTO trace_events (message_id, from_user_id, stage, app, at, detail, src_partition, src_offset)
            SELECT m, u, s, a, CAST(t AS timestamptz), CAST(d AS jsonb), p, o
            FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]),
                        CAST(? AS text[]), CAST(? AS text[]), CAST(? AS int[]), CAST(? AS bigint[]))
                 AS e(m, u, s, a, t, d, p, o)
            """;
    /**
     * The progress of the batch's source partitions, created at 0 when new and locked until the transaction ends:
     * a second consumer of the same partition (the old owner after a rebalance) waits here and then sees what this
     * one stored. {@code DO UPDATE} (to the same value) is what locks an existing row and returns it.
     */
    private static final String LOCK_PROGRESS = """
            INSERT INTO trace_progress (src_topic, src_partition, next_offset)
            SELECT t, p, 0 FROM unnest(CAST(? AS text[]), CAST(? AS int[])) AS k(t, p)
            ON CONFLICT (src_topic, src_partition) DO UPDATE SET next_offset = trace_progress.next_offset
            RETURNING src_topic, src_partition, next_offset
            """;
    private static final String ADVANCE_PROGRESS = """
            UPDATE trace_progress AS g SET next_offset = n.o
            FROM unnest(CAST(? AS text[]), CAST(? AS int[]), CAST(? AS bigint[])) AS n(t, p, o)
            WHERE g.src_topic = n.t AND g.src_partition = n.p
            """;
    private static final String COLUMNS = "id, message_id, from_user_id, stage, app, at, detail::text AS detail";

    private final NamedParameterJdbcTemplate jdbc;
    private final boolean ownStages;
    private final HistoryStages history;

    /**
     * @param trace {@code im.trace.enabled}: whether this app writes its own stages ({@code dead_lettered},
     *              {@code replayed}, {@code discarded}); what the other apps write to the trace topic is stored
     *              regardless
     * @param store {@code im.dlq.trace.*}: whether {@code persisted} and {@code pushed} are read from the
     *              task-worker's tables ({@link HistoryStages})
     */
    public TraceRepository(NamedParameterJdbcTemplate jdbc, TraceProperties trace, TraceStoreProperties store) {
        this.jdbc = jdbc;
        this.ownStages = trace == null || trace.on();
        this.history = new HistoryStages(jdbc, store == null || store.historyStages());
    }

    /** Whether this app writes its own stages ({@code im.trace.enabled}). */
    public boolean ownStages() {
        return ownStages;
    }

    /**
     * Stores the events read from the trace topic in one statement (one array per column, unnested: a single parse
     * and round trip for the whole batch, where a JDBC batch of single-row inserts costs a statement per event),
     * skipping every event below its partition's progress (a redelivery: stored already), and advances the progress,
     * all in one transaction. How many were new.
     */
    @Transactional
    public int insertAll(List<StoredTraceEvent> events) {
        if (events.isEmpty()) {
            return 0;
        }
        Integer n = jdbc.getJdbcOperations().execute((ConnectionCallback<Integer>) c -> {
            Map<Source, Long> stored = lockProgress(c, events);
            Map<Source, Long> advanced = new HashMap<>();
            List<StoredTraceEvent> fresh = new ArrayList<>(events.size());
            for (StoredTraceEvent e : events) {
                Source source = new Source(e.topic(), e.partition());
                if (e.offset() >= advanced.getOrDefault(source, stored.get(source))) {
                    fresh.add(e);
                    advanced.put(source, e.offset() + 1);
                }
            }
            if (fresh.isEmpty()) {
                return 0;
            }
            int inserted = insert(c, fresh);
            advance(c, advanced);
            return inserted;
        });
        return n == null ? 0 : n;
    }

    private static Map<Source, Long> lockProgress(Connection c, List<StoredTraceEvent> events) throws SQLException {
        List<Source> sources = events.stream().map(e -> new Source(e.topic(), e.partition())).distinct().toList();
        Map<Source, Long> next = new HashMap<>();
        try (PreparedStatement lock = c.prepareStatement(LOCK_PROGRESS)) {
            lock.setArray(1, c.createArrayOf("text", sources.stream().map(Source::topic).toArray(String[]::new)));
            lock.setArray(2, c.createArrayOf("int4", sources.stream().map(Source::partition).toArray(Integer[]::new)));
            try (ResultSet rs = lock.executeQuery()) {
                while (rs.next()) {
                    next.put(new Source(rs.getString(1), rs.getInt(2)), rs.getLong(3));
                }
            }
        }
        return next;
    }

    private static int insert(Connection c, List<StoredTraceEvent> events) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement(INSERT_ALL)) {
            insert.setArray(1, c.createArrayOf("text", column(events, StoredTraceEvent::messageId)));
            insert.setArray(2, c.createArrayOf("text", column(events, StoredTraceEvent::fromUserId)));
            insert.setArray(3, c.createArrayOf("text", column(events, StoredTraceEvent::stage)));
            insert.setArray(4, c.createArrayOf("text", column(events, StoredTraceEvent::app)));
            insert.setArray(5, c.createArrayOf("text", column(events, e -> e.at().toString())));
            insert.setArray(6, c.createArrayOf("text", column(events, StoredTraceEvent::detailJson)));
            insert.setArray(7, c.createArrayOf("int4", events.stream().map(StoredTraceEvent::partition)
                    .toArray(Integer[]::new)));
            insert.setArray(8, c.createArrayOf("int8", events.stream().map(StoredTraceEvent::offset)
                    .toArray(Long[]::new)));
            return insert.executeUpdate();
        }
    }

    private static void advance(Connection c, Map<Source, Long> next) throws SQLException {
        List<Map.Entry<Source, Long>> moved = List.copyOf(next.entrySet());
        try (PreparedStatement update = c.prepareStatement(ADVANCE_PROGRESS)) {
            update.setArray(1, c.createArrayOf("text", moved.stream().map(m -> m.getKey().topic())
                    .toArray(String[]::new)));
            update.setArray(2, c.createArrayOf("int4", moved.stream().map(m -> m.getKey().partition())
                    .toArray(Integer[]::new)));
            update.setArray(3, c.createArrayOf("int8", moved.stream().map(Map.Entry::getValue)
                    .toArray(Long[]::new)));
            update.executeUpdate();
        }
    }

    /**
     * Forgets the progress of a source partition that is beyond the partition's end: the topic was deleted and made
     * again, and its offsets start again. Whether it did.
     */
    public boolean resetProgressBeyond(String topic, int partition, long endOffset) {
        return jdbc.update("""
                UPDATE trace_progress SET next_offset = 0
                WHERE src_topic = :t AND src_partition = :p AND next_offset > :end
                """, new MapSqlParameterSource("t", topic).addValue("p", partition).addValue("end", endOffset)) > 0;
    }

    /** A partition of a trace topic. */
    private record Source(String topic, int partition) {
    }

    private static String[] column(List<StoredTraceEvent> events, Function<StoredTraceEvent, String> value) {
        return events.stream().map(value).toArray(String[]::new);
    }

    public int insert(StoredTraceEvent event) {
        return insertAll(List.of(event));
    }

    /**
     * A {@code dead_lettered} row for each dead letter just stored at these DLQ coordinates whose value gave a
     * message identity; detail: the dead letter's id, the stage that failed, its reason, the original topic. Called
     * in the transaction that stored them; {@code at} is the capture time (a Streams dead letter's Kafka timestamp
     * is the original record's, earlier than the failure).
     */
    public void deadLettered(List<DlqCoordinates> stored) {
        if (!ownStages || stored.isEmpty()) {
            return;
        }
        jdbc.batchUpdate("""
                INSERT INTO trace_events (message_id, from_user_id, stage, app, at, detail)
                SELECT message_id, from_user_id, :stage, :app, captured_at,
                       jsonb_strip_nulls(jsonb_build_object('dead_letter_id', id, 'stage', stage, 'reason', reason,
                           'original_topic', original_topic, 'original_partition', original_partition,
                           'original_offset', original_offset, 'dlq_topic', dlq_topic))
                FROM dead_letters
                WHERE dlq_topic = :topic AND dlq_partition = :partition AND dlq_offset = :offset
                  AND message_id IS NOT NULL AND from_user_id IS NOT NULL
                """, stored.stream().map(c -> new MapSqlParameterSource()
                        .addValue("stage", TraceStage.DEAD_LETTERED.wireName()).addValue("app", APP)
                        .addValue("topic", c.topic()).addValue("partition", c.partition())
                        .addValue("offset", c.offset()))
                .toArray(SqlParameterSource[]::new));
    }

    /**
     * A {@code replayed} or {@code discarded} row for each of these dead letters that has a message identity;
     * detail: the dead letter's id and the operator. Called in the transaction that changes them.
     */
    public void operatorAction(TraceStage stage, Collection<Long> deadLetterIds, String actor, Instant at) {
        if (!ownStages || deadLetterIds.isEmpty()) {
            return;
        }
        jdbc.update("""
                INSERT INTO trace_events (message_id, from_user_id, stage, app, at, detail)
                SELECT message_id, from_user_id, :stage, :app, :at,
                       jsonb_build_object('dead_letter_id', id, 'actor', CAST(:actor AS text))
                FROM dead_letters
                WHERE id IN (:ids) AND message_id IS NOT NULL AND from_user_id IS NOT NULL
                ORDER BY id
                """, new MapSqlParameterSource("stage", stage.wireName()).addValue("app", APP)
                .addValue("at", Timestamp.from(at)).addValue("actor", actor).addValue("ids", deadLetterIds));
    }

    /**
     * The stages of one message of one sender, by time then id: its trace events, the router's admission they carry
     * ({@link Admissions}) and, when the task-worker's tables are in this database, the stages read from them
     * ({@link HistoryStages}).
     */
    public List<TraceRow> of(String fromUserId, String messageId) {
        MapSqlParameterSource params = new MapSqlParameterSource("m", messageId).addValue("u", fromUserId);
        String senders = "SELECT CAST(:u AS text)";
        return Admissions.expand(jdbc.query(history.tables().union("SELECT " + COLUMNS
                + " FROM trace_events WHERE message_id = :m AND from_user_id = :u", senders) + " ORDER BY at, id",
                params, TraceRepository::map));
    }

    /** The stages of every sender's message with this id, by sender, then time, then id. */
    public List<TraceRow> of(String messageId) {
        MapSqlParameterSource params = new MapSqlParameterSource("m", messageId);
        HistoryStages.Tables tables = history.tables();
        // The push ledger's key starts with the sender: its senders first, from the rows that know them.
        String senders = "SELECT from_user_id FROM trace_events WHERE message_id = :m"
                + (tables.messages() ? " UNION SELECT from_user_id FROM messages WHERE message_id = :m" : "");
        return Admissions.expand(jdbc.query(tables.union("SELECT " + COLUMNS
                + " FROM trace_events WHERE message_id = :m", senders) + " ORDER BY from_user_id, at, id", params,
                TraceRepository::map));
    }

    /** Deletes at most {@code batch} rows older than {@code cutoff}; how many. */
    public int deleteOlderThan(Instant cutoff, int batch) {
        return jdbc.update("""
                DELETE FROM trace_events WHERE id IN (
                    SELECT id FROM trace_events WHERE at < :cutoff LIMIT :batch)
                """, new MapSqlParameterSource("cutoff", Timestamp.from(cutoff)).addValue("batch", batch));
    }

    /** Where a dead letter was read: its unique coordinates in {@code dead_letters}. */
    public record DlqCoordinates(String topic, int partition, long offset) {
    }

    private static TraceRow map(ResultSet rs, int row) throws SQLException {
        return new TraceRow(rs.getLong("id"), rs.getString("message_id"), rs.getString("from_user_id"),
                rs.getString("stage"), rs.getString("app"), rs.getTimestamp("at").toInstant(),
                detail(rs.getString("detail")));
    }

    static Map<String, Object> detail(String json) {
        return json == null ? Map.of() : WireJson.mapper().readValue(json, DETAIL);
    }
}
