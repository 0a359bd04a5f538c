package io.impipeline.dlq.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.impipeline.model.codec.WireJson;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Repository;

/**
 * {@code audit_log}: every change an operator makes (replay, discard, topic replay, cancel, trace writing), written by
 * the caller in the transaction of the change, so that a change without its audit row (or the reverse) cannot be
 * committed; trace writing, a change of another app, is written once that app has answered.
 */
@Repository
public class AuditRepository {

    private final NamedParameterJdbcTemplate jdbc;

    public AuditRepository(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Writes one entry; its id. */
    public long record(Instant at, String actor, AuditAction action, String target, long count,
                       Map<String, ?> detail) {
        KeyHolder key = new GeneratedKeyHolder();
        jdbc.update("""
                INSERT INTO audit_log (at, actor, action, target, count, detail)
                VALUES (:at, :actor, :action, :target, :count, CAST(:detail AS jsonb))
                """, new MapSqlParameterSource("at", Timestamp.from(at)).addValue("actor", actor)
                .addValue("action", action.wireName()).addValue("target", target).addValue("count", count)
                .addValue("detail", WireJson.mapper().writeValueAsString(detail == null ? Map.of() : detail)),
                key, new String[] {"id"});
        Number id = key.getKey();
        return id == null ? -1 : id.longValue();
    }

    /** Adds to an entry's count and replaces its detail (a by-filter replay, chunk by chunk). */
    public void progress(long id, long addCount, Map<String, ?> detail) {
        jdbc.update("UPDATE audit_log SET count = count + :n, detail = CAST(:detail AS jsonb) WHERE id = :id",
                new MapSqlParameterSource("id", id).addValue("n", addCount)
                        .addValue("detail", WireJson.mapper().writeValueAsString(detail)));
    }

    /** Newest first; {@code beforeId} (exclusive) is the cursor, null for the first page. */
    public List<AuditEntry> list(Long beforeId, int limit) {
        MapSqlParameterSource params = new MapSqlParameterSource("limit", limit);
        String where = "";
        if (beforeId != null) {
            where = " WHERE id < :beforeId";
            params.addValue("beforeId", beforeId);
        }
        return jdbc.query("SELECT id, at, actor, action, target, count, detail::text AS detail FROM audit_log"
                + where + " ORDER BY id DESC LIMIT :limit", params, AuditRepository::map);
    }

    private static AuditEntry map(ResultSet rs, int row) throws SQLException {
        return new AuditEntry(rs.getLong("id"), rs.getTimestamp("at").toInstant(), rs.getString("actor"),
                rs.getString("action"), rs.getString("target"), rs.getLong("count"),
                TraceRepository.detail(rs.getString("detail")));
    }
}
