package io.impipeline.router.topology;

/** Keys of the router's state stores. */
public final class StoreKeys {

    private static final int DUE_DIGITS = 20;

    private StoreKeys() {
    }

    /**
     * The dedup key of (from_user_id, message_id): length-prefixed, so that no pair of ids can collide whatever
     * characters they contain.
     */
    public static String dedup(String fromUserId, String messageId) {
        return fromUserId.length() + ":" + fromUserId + ":" + messageId;
    }

    /** Zero-padded due time first, so that the store's byte order is due order. */
    public static String scheduled(long dueAt, String fromUserId, String messageId) {
        return String.format("%0" + DUE_DIGITS + "d", dueAt) + ":" + dedup(fromUserId, messageId);
    }

    public static long dueOf(String scheduledKey) {
        return Long.parseLong(scheduledKey.substring(0, DUE_DIGITS));
    }
}
