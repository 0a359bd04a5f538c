package io.impipeline.dlq.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.impipeline.dlq.store.ReplayJob.PartitionProgress;
import io.impipeline.model.codec.WireJson;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;

/** {@code replay_jobs}: plan, progress and outcome of topic replays. */
@Repository
public class ReplayJobRepository {

    private static final TypeReference<Map<Integer, PartitionProgress>> PROGRESS = new TypeReference<>() {
    };
    private static final String COLUMNS = """
            id, source_topic, target_topic, from_offset, to_offset, from_timestamp, to_timestamp, rate_per_second,
            status, progress::text AS progress, planned, scanned, copied, cancel_requested, error, owner, created_at,
            updated_at, finished_at
            """;

    private final JdbcClient jdbc;

    public ReplayJobRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insert(ReplayJob j) {
        jdbc.sql("""
                INSERT INTO replay_jobs (id, source_topic, target_topic, from_offset, to_offset, from_timestamp,
                    to_timestamp, rate_per_second, status, progress, planned, owner, created_at, updated_at)
                VALUES (:id, :source, :target, :fromOffset, :toOffset, :fromTs, :toTs, :rate, :status,
                    CAST(:progress AS jsonb), :planned, :owner, :created, :created)
                """)
                .param("id", j.id()).param("source", j.sourceTopic()).param("target", j.targetTopic())
                .param("fromOffset", j.fromOffset()).param("toOffset", j.toOffset())
                .param("fromTs", ts(j.fromTimestamp())).param("toTs", ts(j.toTimestamp()))
                .param("rate", j.ratePerSecond()).param("status", j.status().name())
                .param("progress", json(j.partitions())).param("planned", j.planned()).param("owner", j.owner())
                .param("created", ts(j.createdAt()))
                .update();
    }

    public void progress(UUID id, Map<Integer, PartitionProgress> partitions, long scanned, long copied, Instant at) {
        jdbc.sql("""
                UPDATE replay_jobs SET progress = CAST(:progress AS jsonb), scanned = :scanned, copied = :copied,
                    updated_at = :at WHERE id = :id
                """)
                .param("id", id).param("progress", json(partitions)).param("scanned", scanned).param("copied", copied)
                .param("at", ts(at)).update();
    }

    public void finish(UUID id, ReplayJobStatus status, Map<Integer, PartitionProgress> partitions, long scanned,
                       long copied, String error, Instant at) {
        jdbc.sql("""
                UPDATE replay_jobs SET status = :status, progress = CAST(:progress AS jsonb), scanned = :scanned,
                    copied = :copied, error = :error, updated_at = :at, finished_at = :at WHERE id = :id
                """)
                .param("id", id).param("status", status.name()).param("progress", json(partitions))
                .param("scanned", scanned).param("copied", copied).param("error", error).param("at", ts(at))
                .update();
    }

    /** Asks a running job to stop; false when it is not running. */
    public boolean requestCancel(UUID id) {
        return jdbc.sql("UPDATE replay_jobs SET cancel_requested = TRUE WHERE id = :id AND status = 'RUNNING'")
                .param("id", id).update() > 0;
    }

    public boolean cancelRequested(UUID id) {
        return jdbc.sql("SELECT cancel_requested FROM replay_jobs WHERE id = :id").param("id", id)
                .query(Boolean.class).optional().orElse(false);
    }

    /** Jobs this instance was running when it stopped cannot resume: mark them failed. */
    public int failOrphans(String owner, Instant at) {
        return jdbc.sql("""
                UPDATE replay_jobs SET status = 'FAILED', error = 'interrupted: the instance running it stopped',
                    updated_at = :at, finished_at = :at WHERE owner = :owner AND status = 'RUNNING'
                """).param("owner", owner).param("at", ts(at)).update();
    }

    public Optional<ReplayJob> find(UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM replay_jobs WHERE id = :id").param("id", id)
                .query(ReplayJobRepository::map).optional();
    }

    public List<ReplayJob> recent(int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM replay_jobs ORDER BY created_at DESC LIMIT :limit")
                .param("limit", limit).query(ReplayJobRepository::map).list();
    }

    private static ReplayJob map(ResultSet rs, int row) throws SQLException {
        return new ReplayJob(rs.getObject("id", UUID.class), rs.getString("source_topic"),
                rs.getString("target_topic"), (Long) rs.getObject("from_offset"), (Long) rs.getObject("to_offset"),
                DeadLetterRepository.instant(rs, "from_timestamp"), DeadLetterRepository.instant(rs, "to_timestamp"),
                rs.getDouble("rate_per_second"), ReplayJobStatus.valueOf(rs.getString("status")),
                WireJson.mapper().readValue(rs.getString("progress"), PROGRESS), rs.getLong("planned"),
                rs.getLong("scanned"), rs.getLong("copied"), rs.getBoolean("cancel_requested"),
                rs.getString("error"), rs.getString("owner"), DeadLetterRepository.instant(rs, "created_at"),
                DeadLetterRepository.instant(rs, "updated_at"), DeadLetterRepository.instant(rs, "finished_at"));
    }

    private static String json(Map<Integer, PartitionProgress> partitions) {
        return WireJson.mapper().writeValueAsString(partitions);
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }
}
