package io.impipeline.launcher.hostile;

/**
 * An effect a record must (or must not) have had, checked after the run against what the pipeline shows: PostgreSQL
 * (history, pushes, group projection), the dispatcher's interactive queries (presence, gateways), the router's
 * scheduled store, the messages a hostile gateway received, and the dead-letter store.
 */
public sealed interface Effect {

    /** Exactly one row in {@code messages} for (from_user_id, message_id), in that conversation. */
    record Persisted(String fromUserId, String messageId, String conversationId) implements Effect {
    }

    /** No row in {@code messages} for (from_user_id, message_id): a refused message left no trace. */
    record NotPersisted(String fromUserId, String messageId) implements Effect {
    }

    /** The hostile gateway's topic carried the message to this user's device. */
    record Delivered(String fromUserId, String messageId, String userId, String deviceId) implements Effect {
    }

    /** {@code push_notifications} holds exactly {@code users} rows for (from_user_id, message_id). */
    record Pushed(String fromUserId, String messageId, int users) implements Effect {
    }

    /** The router holds the message in its scheduled store ({@code GET /api/v1/scheduled}). */
    record Scheduled(String messageId) implements Effect {
    }

    /** The task-worker's history API lists the row in its conversation. */
    record HistoryRow(String conversationId, String fromUserId, String messageId) implements Effect {
    }

    /** The dispatcher's presence store has the device online on that gateway. */
    record PresenceOnline(String userId, String deviceId, String gatewayId) implements Effect {
    }

    /** The dispatcher's presence store has nothing for the user. */
    record PresenceAbsent(String userId) implements Effect {
    }

    /** The dispatcher's gateway table lists the gateway with this last heartbeat. */
    record GatewayKnown(String gatewayId, long timestamp) implements Effect {
    }

    /**
     * The dispatcher's gateway table lists the key as {@code unreadable} with this problem (a reason code, or
     * {@code KEY_MISMATCH}): the latest record under the key is no usable heartbeat, the gateway counts as down.
     */
    record GatewayUnreadable(String key, String problem) implements Effect {
    }

    /** The dispatcher's gateway table does not list the gateway. */
    record GatewayAbsent(String gatewayId) implements Effect {
    }

    /** The task-worker's projection has the group with exactly this many members. */
    record GroupApplied(String groupId, int members) implements Effect {
    }

    /** The task-worker's projection does not have the group. */
    record GroupAbsent(String groupId) implements Effect {
    }

    /**
     * The message was refused because the router's group table holds an unusable entry for its group (undecodable,
     * or another group's record under this key): nothing to check per record, counted in
     * {@code im_router_groups_unreadable_total}.
     */
    record ReadUnreadableGroup(String groupId) implements Effect {
    }

    /** The stored dead letter kept this header name exactly ({@code name_base64} when PostgreSQL cannot hold it). */
    record HeaderNameKept(byte[] name) implements Effect {
    }

    /**
     * The stored dead letter's key is exactly these bytes: the key that was sent, or ({@code note} not null) what the
     * pipeline made of it.
     */
    record KeyKept(byte[] key, String note) implements Effect {
        public KeyKept(byte[] key) {
            this(key, null);
        }
    }
}
