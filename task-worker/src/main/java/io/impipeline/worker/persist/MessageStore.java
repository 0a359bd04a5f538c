package io.impipeline.worker.persist;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.UpstreamMessage;
import org.springframework.jdbc.core.BatchPreparedStatementSetter;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.transaction.support.TransactionTemplate;

/** The {@code messages} table: inserts idempotent by (from_user_id, message_id), and the history reads. */
public class MessageStore {

    /** A message to insert with the trace id of its task. */
    public record Row(SequencedMessage message, String traceId) {
    }

    static final String INSERT = """
            INSERT INTO messages (message_id, conversation_id, seq, from_user_id, to_user_id, group_id, message_type,
                                  content, metadata, gateway_id, device_id, version, client_timestamp, accepted_at,
                                  trace_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (from_user_id, message_id) DO NOTHING""";

    private static final String COLUMNS = """
            message_id, conversation_id, seq, from_user_id, to_user_id, group_id, message_type, content,
            metadata::text AS metadata, gateway_id, device_id, version, client_timestamp, accepted_at,
            (extract(epoch FROM stored_at) * 1000)::bigint AS stored_ms, trace_id""";

    private static final RowMapper<StoredMessage> MAPPER = MessageStore::map;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;

    public MessageStore(JdbcTemplate jdbc, TransactionTemplate transaction) {
        this.jdbc = jdbc;
        this.transaction = transaction;
    }

    /**
     * Inserts the rows as one JDBC batch in one transaction. Returns per row 1 (stored) or 0 (already there), in
     * the order given.
     */
    public int[] insertBatch(List<Row> rows) {
        return transaction.execute(status -> jdbc.batchUpdate(INSERT, new BatchPreparedStatementSetter() {
            @Override
            public void setValues(PreparedStatement ps, int i) throws SQLException {
                bind(ps, rows.get(i));
            }

            @Override
            public int getBatchSize() {
                return rows.size();
            }
        }));
    }

    /** One row on its own (autocommit): isolates a row that makes its batch fail. Returns 1 stored, 0 duplicate. */
    public int insertOne(Row row) {
        return jdbc.update(INSERT, ps -> bind(ps, row));
    }

    public List<StoredMessage> conversation(String conversationId, long afterSeq, int limit) {
        return jdbc.query("SELECT " + COLUMNS + " FROM messages WHERE conversation_id = ? AND seq > ? "
                + "ORDER BY seq LIMIT ?", MAPPER, conversationId, afterSeq, limit);
    }

    /** One message by its identity. */
    public Optional<StoredMessage> find(String fromUserId, String messageId) {
        return jdbc.query("SELECT " + COLUMNS + " FROM messages WHERE from_user_id = ? AND message_id = ?", MAPPER,
                fromUserId, messageId).stream().findFirst();
    }

    /** Every sender's message with this id, by sender, after {@code afterFromUserId} (keyset paging). */
    public List<StoredMessage> byMessageId(String messageId, String afterFromUserId, int limit) {
        return jdbc.query("SELECT " + COLUMNS + " FROM messages WHERE message_id = ? AND from_user_id > ? "
                + "ORDER BY from_user_id LIMIT ?", MAPPER, messageId, afterFromUserId, limit);
    }

    private static void bind(PreparedStatement ps, Row row) throws SQLException {
        SequencedMessage sequenced = row.message();
        UpstreamMessage m = sequenced.message();
        ps.setString(1, m.messageId());
        ps.setString(2, m.conversationId());
        ps.setLong(3, sequenced.seq());
        ps.setString(4, m.fromUserId());
        ps.setString(5, m.toUserId());
        ps.setString(6, m.groupId());
        ps.setString(7, m.messageType());
        ps.setString(8, m.content());
        ps.setString(9, WireJson.mapper().writeValueAsString(m.metadata() == null ? Map.of() : m.metadata()));
        ps.setString(10, m.gatewayId());
        ps.setString(11, m.deviceId());
        ps.setString(12, m.version());
        ps.setLong(13, m.timestamp());
        if (sequenced.acceptedAt() > 0) {
            ps.setLong(14, sequenced.acceptedAt());
        } else {
            ps.setNull(14, Types.BIGINT);
        }
        ps.setString(15, row.traceId());
    }

    @SuppressWarnings("unchecked")
    private static StoredMessage map(ResultSet rs, int rowNum) throws SQLException {
        long accepted = rs.getLong("accepted_at");
        Long acceptedAt = rs.wasNull() ? null : accepted;
        return new StoredMessage(rs.getString("message_id"), rs.getString("conversation_id"), rs.getLong("seq"),
                rs.getString("from_user_id"), rs.getString("to_user_id"), rs.getString("group_id"),
                rs.getString("message_type"), rs.getString("content"),
                WireJson.mapper().readValue(rs.getString("metadata"), Map.class), rs.getString("gateway_id"),
                rs.getString("device_id"), rs.getString("version"), rs.getLong("client_timestamp"), acceptedAt,
                rs.getLong("stored_ms"), rs.getString("trace_id"));
    }
}
