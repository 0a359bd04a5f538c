package io.impipeline.dlq.store;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.impipeline.dlq.settings.TraceStoreProperties;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.trace.TraceStage;
import io.impipeline.platform.autoconfigure.TraceProperties;
import org.postgresql.PGConnection;
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
    /**
     * The progress of the batch's source partitions, created at 0 when new and locked until the transaction ends:
     * a second consumer of the same partition (the old owner after a rebalance) waits here and then sees what this
     * one stored. {@code DO UPDATE} (to the same value) is what locks an existing row and returns it; {@code xmax = 0}
     * tells a row this statement created.
     */
    private static final String LOCK_PROGRESS = """
            INSERT INTO trace_progress (src_topic, src_partition, next_offset)
            SELECT t, p, 0 FROM unnest(CAST(? AS text[]), CAST(? AS int[])) AS k(t, p)
            ON CONFLICT (src_topic, src_partition) DO UPDATE SET next_offset = trace_progress.next_offset
            RETURNING src_topic, src_partition, next_offset, (xmax = 0) AS created
            """;
    /** Of the partitions given, those never stored before (now remembered): the others' progress was lost. */
    private static final String REMEMBER_SOURCES = """
            INSERT INTO trace_sources (src_topic, src_partition)
            SELECT t, p FROM unnest(CAST(? AS text[]), CAST(? AS int[])) AS k(t, p)
            ON CONFLICT DO NOTHING
            RETURNING src_topic, src_partition
            """;
    private static final String ADVANCE_PROGRESS = """
            UPDATE trace_progress AS g SET next_offset = n.o
            FROM unnest(CAST(? AS text[]), CAST(? AS int[]), CAST(? AS bigint[])) AS n(t, p, o)
            WHERE g.src_topic = n.t AND g.src_partition = n.p
            """;
    /**
     * The events of {@code trace_message_events} as rows of their own, in the columns of {@link #OWN}; {@code id}
     * and {@code n} order the rows of equal time as the topic did (first offset of the row, place in it).
     */
    private static final String TOPIC = """
            SELECT r.src_offset AS id, x.n AS n, r.message_id, r.from_user_id, x.e->>'stage' AS stage,
                   x.e->>'app' AS app, timestamptz 'epoch' + CAST(x.e->>'at' AS bigint) * interval '1 millisecond' AS at,
                   (x.e->'detail')::text AS detail
            FROM trace_message_events r CROSS JOIN LATERAL json_array_elements(r.events) WITH ORDINALITY AS x(e, n)
            WHERE r.message_id = :m""";
    /** This app's own stages (and, before V7, the events read from the topic), one row each. */
    private static final String OWN = """
            SELECT id, 0 AS n, message_id, from_user_id, stage, app, at, detail::text AS detail
            FROM trace_events WHERE message_id = :m""";

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
     * Stores the events read from the trace topic, one row per message of the batch ({@link TraceMessageRows}) in one
     * COPY (a single round trip for the whole batch), skipping every
     * event below its partition's progress (a redelivery: stored already), and advances the progress, all in one
     * transaction. A partition stored before whose progress is gone (crash recovery empties the unlogged tables) is
     * not stored from here: its progress starts again at 0 and it is returned, to be read again from its start.
     */
    @Transactional
    public Stored store(List<StoredTraceEvent> events) {
        if (events.isEmpty()) {
            return Stored.NONE;
        }
        Stored result = jdbc.getJdbcOperations().execute((ConnectionCallback<Stored>) c -> {
            Progress progress = lockProgress(c, events);
            Set<TraceSource> lost = progress.created().isEmpty() ? Set.of() : lost(c, progress.created());
            Map<TraceSource, Long> advanced = new HashMap<>();
            List<StoredTraceEvent> fresh = new ArrayList<>(events.size());
            for (StoredTraceEvent e : events) {
                TraceSource source = new TraceSource(e.topic(), e.partition());
                if (!lost.contains(source) && e.offset() >= advanced.getOrDefault(source, progress.next().get(source))) {
                    fresh.add(e);
                    advanced.put(source, e.offset() + 1);
                }
            }
            if (!fresh.isEmpty()) {
                insert(c, fresh);
                advance(c, advanced);
            }
            return new Stored(fresh.size(), List.copyOf(lost));
        });
        return result == null ? Stored.NONE : result;
    }

    /**
     * What {@link #store} did.
     *
     * @param events how many events were new (stored)
     * @param lost   source partitions whose progress was lost: read them again from their start
     */
    public record Stored(int events, List<TraceSource> lost) {

        static final Stored NONE = new Stored(0, List.of());
    }

    /** A partition of a trace topic. */
    public record TraceSource(String topic, int partition) {
    }

    private record Progress(Map<TraceSource, Long> next, List<TraceSource> created) {
    }

    private static Progress lockProgress(Connection c, List<StoredTraceEvent> events) throws SQLException {
        List<TraceSource> sources = events.stream().map(e -> new TraceSource(e.topic(), e.partition())).distinct()
                .toList();
        Map<TraceSource, Long> next = new HashMap<>();
        List<TraceSource> created = new ArrayList<>(0);
        try (PreparedStatement lock = c.prepareStatement(LOCK_PROGRESS)) {
            setSources(c, lock, sources);
            try (ResultSet rs = lock.executeQuery()) {
                while (rs.next()) {
                    TraceSource source = new TraceSource(rs.getString(1), rs.getInt(2));
                    next.put(source, rs.getLong(3));
                    if (rs.getBoolean(4)) {
                        created.add(source);
                    }
                }
            }
        }
        return new Progress(next, created);
    }

    /** Of these partitions without progress, the ones stored before: their progress was lost. */
    private static Set<TraceSource> lost(Connection c, List<TraceSource> created) throws SQLException {
        Set<TraceSource> lost = new HashSet<>(created);
        try (PreparedStatement remember = c.prepareStatement(REMEMBER_SOURCES)) {
            setSources(c, remember, created);
            try (ResultSet rs = remember.executeQuery()) {
                while (rs.next()) {
                    lost.remove(new TraceSource(rs.getString(1), rs.getInt(2)));
                }
            }
        }
        return lost;
    }

    private static void setSources(Connection c, PreparedStatement statement, List<TraceSource> sources)
            throws SQLException {
        statement.setArray(1, c.createArrayOf("text", sources.stream().map(TraceSource::topic)
                .toArray(String[]::new)));
        statement.setArray(2, c.createArrayOf("int4", sources.stream().map(TraceSource::partition)
                .toArray(Integer[]::new)));
    }

    /** The batch's rows in one COPY ({@link TraceMessageRows}). */
    private static void insert(Connection c, List<StoredTraceEvent> events) throws SQLException {
        try {
            c.unwrap(PGConnection.class).getCopyAPI().copyIn(TraceMessageRows.COPY,
                    new StringReader(TraceMessageRows.copyText(events)));
        } catch (IOException e) {
            // Reading a string does not fail; the connection's own failures arrive as SQLException.
            throw new UncheckedIOException(e);
        }
    }

    private static void advance(Connection c, Map<TraceSource, Long> next) throws SQLException {
        List<Map.Entry<TraceSource, Long>> moved = List.copyOf(next.entrySet());
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
     * Where to read these partitions of one topic from: the stored progress (next offset to store); 0 for a partition
     * stored before whose progress is gone (crash recovery emptied the unlogged tables: read it again from its start);
     * a partition never stored is absent.
     */
    public Map<Integer, Long> progress(String topic, Collection<Integer> partitions) {
        Map<Integer, Long> next = new HashMap<>();
        jdbc.query("""
                SELECT s.src_partition, coalesce(g.next_offset, 0)
                FROM trace_sources s LEFT JOIN trace_progress g
                     ON g.src_topic = s.src_topic AND g.src_partition = s.src_partition
                WHERE s.src_topic = :t AND s.src_partition IN (:p)
                """, new MapSqlParameterSource("t", topic).addValue("p", partitions),
                (ResultSet rs) -> {
                    next.put(rs.getInt(1), rs.getLong(2));
                });
        return next;
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

    /**
     * A {@code dead_lettered} row for each dead letter just stored at these DLQ coordinates whose value gave a
     * message identity; detail: the dead letter's id, the stage that failed, its reason, the original topic, and the
     * {@code routed} stage the record carried when it did (listed as a stage of its own, {@code CarriedStages}). Called
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
                           'original_offset', original_offset, 'dlq_topic', dlq_topic,
                           'routed', CAST(:routed AS jsonb)))
                FROM dead_letters
                WHERE dlq_topic = :topic AND dlq_partition = :partition AND dlq_offset = :offset
                  AND message_id IS NOT NULL AND from_user_id IS NOT NULL
                """, stored.stream().map(c -> new MapSqlParameterSource()
                        .addValue("stage", TraceStage.DEAD_LETTERED.wireName()).addValue("app", APP)
                        .addValue("topic", c.topic()).addValue("partition", c.partition())
                        .addValue("offset", c.offset()).addValue("routed", c.routed(), Types.VARCHAR))
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
     * The stages of one message of one sender, by time then as read: its trace events, the stages they carry
     * ({@link CarriedStages}) and, when the task-worker's tables are in this database, the stages read from them
     * ({@link HistoryStages}).
     */
    public List<TraceRow> of(String fromUserId, String messageId) {
        MapSqlParameterSource params = new MapSqlParameterSource("m", messageId).addValue("u", fromUserId);
        String senders = "SELECT CAST(:u AS text)";
        String events = TOPIC + " AND r.from_user_id = :u UNION ALL " + OWN + " AND from_user_id = :u";
        return CarriedStages.expand(jdbc.query(history.tables().union(events, senders) + " ORDER BY at, id, n",
                params, TraceRepository::map));
    }

    /** The stages of every sender's message with this id, by sender, then time, then as read. */
    public List<TraceRow> of(String messageId) {
        MapSqlParameterSource params = new MapSqlParameterSource("m", messageId);
        HistoryStages.Tables tables = history.tables();
        // The push ledger's key starts with the sender: its senders first, from the rows that know them.
        String senders = "SELECT from_user_id FROM trace_message_events WHERE message_id = :m"
                + " UNION SELECT from_user_id FROM trace_events WHERE message_id = :m"
                + (tables.messages() ? " UNION SELECT from_user_id FROM messages WHERE message_id = :m" : "");
        return CarriedStages.expand(jdbc.query(tables.union(TOPIC + " UNION ALL " + OWN, senders)
                + " ORDER BY from_user_id, at, id, n", params, TraceRepository::map));
    }

    /**
     * Deletes at most {@code batch} rows older than {@code cutoff} from each trace table ({@code at}: a message row's
     * latest event); how many rows in all (fewer than {@code batch}: both are done).
     */
    public int deleteOlderThan(Instant cutoff, int batch) {
        MapSqlParameterSource params = new MapSqlParameterSource("cutoff", Timestamp.from(cutoff))
                .addValue("batch", batch);
        // trace_message_events has no key of its own: a row's physical address is enough within the statement.
        int topic = jdbc.update("""
                DELETE FROM trace_message_events WHERE ctid = ANY (ARRAY(
                    SELECT ctid FROM trace_message_events WHERE at < :cutoff LIMIT :batch))
                """, params);
        int own = jdbc.update("""
                DELETE FROM trace_events WHERE id IN (
                    SELECT id FROM trace_events WHERE at < :cutoff LIMIT :batch)
                """, params);
        return topic + own;
    }

    /**
     * Where a dead letter was read (its unique coordinates in {@code dead_letters}), and the router's {@code routed}
     * stage it carried ({@code RoutedHeader}), as JSON, or null.
     */
    public record DlqCoordinates(String topic, int partition, long offset, String routed) {
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
