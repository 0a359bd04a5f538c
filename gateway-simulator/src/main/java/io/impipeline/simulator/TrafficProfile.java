package io.impipeline.simulator;

/**
 * What kinds of messages a run sends. Duplicates, bad records and scheduled messages come on top in both profiles
 * ({@link SimulationSettings#duplicateShare()}, {@link SimulationSettings#badShare()},
 * {@link SimulationSettings#scheduledShare()}).
 */
public enum TrafficProfile {

    /**
     * {@link SimulationSettings#groupShare()} of the messages go to a group (any group, the large one included),
     * the rest is single chat to any other user (online, offline or churning).
     */
    DEFAULT(0, 0, 0, 0),

    /**
     * 60 % single chat to users with a device (stable online users and churning users), 15 % single chat to users
     * offline for the whole run, 20 % to the small groups ({@link #MIXED_SMALL_GROUP_SIZE} members each), 5 % to the
     * large group ({@link #MIXED_LARGE_GROUP_SIZE} members: above the router's default {@code small-group-max} of
     * 200, so it is fanned out by the task-worker's {@code group_fanout}).
     */
    MIXED(0.60, 0.15, 0.20, 0.05);

    /** Members of each small group in the mixed profile. */
    public static final int MIXED_SMALL_GROUP_SIZE = 10;
    /** Members of the large group in the mixed profile. */
    public static final int MIXED_LARGE_GROUP_SIZE = 300;
    /** Users in the mixed profile unless set: enough for the large group plus a few outside it. */
    public static final int MIXED_USERS = 400;

    private final double singleOnline;
    private final double singleOffline;
    private final double smallGroup;
    private final double largeGroup;

    TrafficProfile(double singleOnline, double singleOffline, double smallGroup, double largeGroup) {
        this.singleOnline = singleOnline;
        this.singleOffline = singleOffline;
        this.smallGroup = smallGroup;
        this.largeGroup = largeGroup;
    }

    /** The kind of one accepted message of this profile, from a roll in [0, 1) (and the group share for DEFAULT). */
    public Kind pick(double roll, double groupShare) {
        if (this == DEFAULT) {
            return roll < groupShare ? Kind.ANY_GROUP : Kind.SINGLE_ANY;
        }
        if (roll < singleOnline) {
            return Kind.SINGLE_ONLINE;
        }
        if (roll < singleOnline + singleOffline) {
            return Kind.SINGLE_OFFLINE;
        }
        if (roll < singleOnline + singleOffline + smallGroup) {
            return Kind.SMALL_GROUP;
        }
        return largeGroup > 0 ? Kind.LARGE_GROUP : Kind.SINGLE_ONLINE;
    }

    /** What one accepted message is. */
    public enum Kind {
        /** single chat to any other user */
        SINGLE_ANY,
        /** single chat to a user with a device */
        SINGLE_ONLINE,
        /** single chat to a user offline for the whole run */
        SINGLE_OFFLINE,
        /** to any group */
        ANY_GROUP,
        /** to one of the small groups */
        SMALL_GROUP,
        /** to the large group */
        LARGE_GROUP
    }
}
