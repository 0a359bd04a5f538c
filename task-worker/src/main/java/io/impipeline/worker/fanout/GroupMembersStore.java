package io.impipeline.worker.fanout;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

import io.impipeline.model.wire.GroupMembership;
import org.springframework.jdbc.core.JdbcTemplate;

/** The {@code groups} / {@code group_members} projection of {@code im-group-topic}. */
public class GroupMembersStore {

    private final JdbcTemplate jdbc;

    public GroupMembersStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Makes the stored members equal to the record's (removes who left, adds who joined), unless a newer
     * {@code version} is already stored. Returns false when the record was stale. Call inside a transaction.
     */
    public boolean replace(GroupMembership group) {
        List<String> applied = jdbc.queryForList("""
                INSERT INTO groups (group_id, version) VALUES (?, ?)
                ON CONFLICT (group_id) DO UPDATE SET version = EXCLUDED.version, updated_at = now()
                WHERE groups.version <= EXCLUDED.version
                RETURNING group_id""", String.class, group.groupId(), group.version());
        if (applied.isEmpty()) {
            return false;
        }
        String[] members = group.members().toArray(String[]::new);
        jdbc.update((Connection c) -> withArray(c, "DELETE FROM group_members WHERE group_id = ? "
                + "AND NOT (user_id = ANY (?))", group.groupId(), members));
        jdbc.update((Connection c) -> withArray(c, "INSERT INTO group_members (group_id, user_id) "
                + "SELECT ?, unnest(?::varchar[]) ON CONFLICT DO NOTHING", group.groupId(), members));
        return true;
    }

    /** A tombstone: the group and its members are gone. */
    public void delete(String groupId) {
        jdbc.update("DELETE FROM groups WHERE group_id = ?", groupId);
    }

    public boolean exists(String groupId) {
        return !jdbc.queryForList("SELECT 1 FROM groups WHERE group_id = ?", Integer.class, groupId).isEmpty();
    }

    /** Members after {@code afterUserId} in user id order (keyset paging: stable while members change). */
    public List<String> page(String groupId, String afterUserId, int size) {
        return jdbc.queryForList("SELECT user_id FROM group_members WHERE group_id = ? AND user_id > ? "
                + "ORDER BY user_id LIMIT ?", String.class, groupId, afterUserId, size);
    }

    public int count(String groupId) {
        Integer n = jdbc.queryForObject("SELECT count(*) FROM group_members WHERE group_id = ?", Integer.class,
                groupId);
        return n == null ? 0 : n;
    }

    private static PreparedStatement withArray(Connection c, String sql, String groupId, String[] members)
            throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        Array array = c.createArrayOf("varchar", members);
        ps.setString(1, groupId);
        ps.setArray(2, array);
        return ps;
    }
}
