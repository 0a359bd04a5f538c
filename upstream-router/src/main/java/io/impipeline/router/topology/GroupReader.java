package io.impipeline.router.topology;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.impipeline.model.codec.Decoded;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.wire.GroupMembership;
import io.impipeline.router.metrics.RouterMetrics;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an entry of the group table ({@code router-groups}): the table holds the bytes of each group's latest record
 * on {@code im-group-topic}, decoded here, on every read, by {@link WireValidator#decodeGroup} (which never throws).
 * Every reader goes through it: {@link Admission} before dedup and {@link RecipientResolver} before sequencing.
 * <p>
 * The table holds bytes, not memberships, because nothing may throw when the store is read: a global table's restore
 * puts the topic's records into the store without the deserializer, and Kafka Streams itself reads the old value of
 * a key whenever a new record for it arrives. With a validating serde, a bad group record that was the latest for
 * its key at a restart made every later read of that key throw, and the group's next valid update then killed the
 * global stream thread. An entry that cannot be used (it fails the group's validation, or it is a group record
 * stored under another group's key) counts as no group ({@code UNKNOWN_GROUP}), is counted
 * ({@code im.router.groups.unreadable{reason}}) and logged at most once a minute per group, never with its bytes.
 * The group's next valid record replaces it.
 */
public final class GroupReader {

    static final String KEY_MISMATCH = "key_mismatch";
    static final String UNDECODABLE = "undecodable";
    private static final Logger log = LoggerFactory.getLogger(GroupReader.class);
    private static final long LOG_INTERVAL_MILLIS = 60_000;
    private static final int MAX_LOG_KEYS = 1_000;
    private static final int ID_IN_LOG = 128;

    private final WireValidator validator;
    private final RouterMetrics metrics;
    private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();

    public GroupReader(WireValidator validator, RouterMetrics metrics) {
        this.validator = validator;
        this.metrics = metrics;
    }

    /**
     * The group stored under {@code groupId}; null when there is none or it cannot be used.
     *
     * @param stored the store's value: bytes, possibly wrapped in {@link ValueAndTimestamp}, or null
     */
    GroupMembership read(String groupId, Object stored) {
        Object value = stored instanceof ValueAndTimestamp<?> vt ? vt.value() : stored;
        if (!(value instanceof byte[] bytes)) {
            return null;
        }
        Decoded<GroupMembership> decoded = validator.decodeGroup(bytes);
        if (!decoded.isValid()) {
            unreadable(groupId, UNDECODABLE, decoded.rejection().reason());
            return null;
        }
        if (!groupId.equals(decoded.value().groupId())) {
            unreadable(groupId, KEY_MISMATCH, null);
            return null;
        }
        return decoded.value();
    }

    private void unreadable(String groupId, String reason, ReasonCode code) {
        metrics.unreadableGroup(reason);
        String id = groupId.length() > ID_IN_LOG ? groupId.substring(0, ID_IN_LOG) + "..." : groupId;
        long now = System.currentTimeMillis();
        String key = reason + "|" + id;
        if (lastLogged.size() >= MAX_LOG_KEYS && !lastLogged.containsKey(key)) {
            lastLogged.clear();
        }
        boolean[] permit = {false};
        lastLogged.compute(key, (k, last) -> {
            if (last == null || now - last >= LOG_INTERVAL_MILLIS) {
                permit[0] = true;
                return now;
            }
            return last;
        });
        if (permit[0]) {
            log.warn("unreadable record in the group table: group={} problem={}{}; it counts as an unknown group "
                    + "(UNKNOWN_GROUP) until the group's next valid record (at most one line a minute per group)",
                    id, reason, code == null ? "" : " reason=" + code);
        }
    }
}
