package io.impipeline.simulator;

import java.time.Duration;
import java.util.Objects;

/**
 * What to simulate. Shares are fractions of the messages sent (0..1). Build it with {@link #builder(String)}: every
 * setting has a named default ({@code DEFAULT_*}); the mixed profile changes the defaults of {@code users},
 * {@code smallGroupSize} and {@code largeGroupSize} (see {@link TrafficProfile#MIXED}).
 *
 * @param bootstrapServers the cluster
 * @param topicPrefix      {@code im.topics.prefix} of the cluster
 * @param profile          the message mix
 * @param gateways         gateways with stable users
 * @param users            stable users: their presence does not change during the run
 * @param maxDevices       devices per online stable user, 1..maxDevices
 * @param offlineShare     share of stable users that stay offline (they get offline pushes)
 * @param churnUsers       extra users whose device on one more gateway goes online and offline during the run;
 *                         every other one also has a device on a stable gateway; that gateway drains at half time
 *                         and dies at three quarters. Their messages must reach them exactly one way: delivered or
 *                         pushed
 * @param smallGroups      small groups
 * @param smallGroupSize   members of each small group; 0 for a random size of 3..20 (at most every user)
 * @param largeGroupSize   members of the one large group, at most every user (the mixed profile refuses fewer
 *                         users than that); 0 for none
 * @param groupShare       share of messages that are group messages (default profile only)
 * @param rate             messages per second; 0 = as fast as possible
 * @param duration         how long to send
 * @param messageBytes     content size
 * @param duplicateShare   share of sends that repeat an earlier message (must be dropped)
 * @param badShare         share of sends that are bad records (must be dead-lettered)
 * @param scheduledShare   share of messages with {@code deliver_at} a few seconds ahead (must not arrive early)
 * @param settle           wait after presence and groups are published, before traffic starts
 * @param drainTimeout     how long to wait for outstanding deliveries after sending stops
 * @param senderSync       whether the router sends sync copies to the sender's other devices (single chat)
 * @param seed             of the random choices (population and traffic)
 * @param messageLimit     stop sending after this many messages even if time is left; 0 for no limit
 * @param workerUrl        base URL of the task-worker (its history API proves that a message has its row in
 *                         PostgreSQL); null: only the persist tasks on {@code im-task-topic} are checked, and the
 *                         summary says so
 * @param serviceToken     the service token for the history API ({@code X-Service-Token})
 * @param persistGrace     how long to wait for the last rows after the deliveries are complete
 */
public record SimulationSettings(
        String bootstrapServers,
        String topicPrefix,
        TrafficProfile profile,
        int gateways,
        int users,
        int maxDevices,
        double offlineShare,
        int churnUsers,
        int smallGroups,
        int smallGroupSize,
        int largeGroupSize,
        double groupShare,
        int rate,
        Duration duration,
        int messageBytes,
        double duplicateShare,
        double badShare,
        double scheduledShare,
        Duration settle,
        Duration drainTimeout,
        boolean senderSync,
        long seed,
        int messageLimit,
        String workerUrl,
        String serviceToken,
        Duration persistGrace) {

    public static final String DEFAULT_TOPIC_PREFIX = "";
    public static final TrafficProfile DEFAULT_PROFILE = TrafficProfile.DEFAULT;
    public static final int DEFAULT_GATEWAYS = 3;
    public static final int DEFAULT_USERS = 200;
    public static final int DEFAULT_MAX_DEVICES = 2;
    public static final double DEFAULT_OFFLINE_SHARE = 0.1;
    public static final int DEFAULT_CHURN_USERS = 10;
    public static final int DEFAULT_SMALL_GROUPS = 5;
    public static final int DEFAULT_SMALL_GROUP_SIZE = 0;
    public static final int DEFAULT_LARGE_GROUP_SIZE = 250;
    public static final double DEFAULT_GROUP_SHARE = 0.2;
    public static final int DEFAULT_RATE = 50;
    public static final Duration DEFAULT_DURATION = Duration.ofSeconds(30);
    public static final int DEFAULT_MESSAGE_BYTES = 100;
    public static final double DEFAULT_DUPLICATE_SHARE = 0.02;
    public static final double DEFAULT_BAD_SHARE = 0.01;
    public static final double DEFAULT_SCHEDULED_SHARE = 0.01;
    public static final Duration DEFAULT_SETTLE = Duration.ofSeconds(5);
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(60);
    public static final boolean DEFAULT_SENDER_SYNC = true;
    public static final long DEFAULT_SEED = 42;
    public static final int DEFAULT_MESSAGE_LIMIT = 0;
    public static final Duration DEFAULT_PERSIST_GRACE = Duration.ofSeconds(30);

    public SimulationSettings {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        topicPrefix = topicPrefix == null ? "" : topicPrefix;
        Objects.requireNonNull(profile, "profile");
        workerUrl = workerUrl == null || workerUrl.isBlank() ? null : stripSlash(workerUrl.trim());
        serviceToken = serviceToken == null ? "" : serviceToken;
        require(gateways >= 1, "gateways must be at least 1");
        require(users >= 2, "users must be at least 2");
        require(maxDevices >= 1, "maxDevices must be at least 1");
        require(churnUsers >= 0 && smallGroups >= 0 && smallGroupSize >= 0 && largeGroupSize >= 0,
                "churnUsers, smallGroups, smallGroupSize and largeGroupSize must not be negative");
        require(rate >= 0 && messageBytes >= 1 && messageLimit >= 0, "rate, messageLimit >= 0, messageBytes >= 1");
        for (double share : new double[] {offlineShare, groupShare, duplicateShare, badShare, scheduledShare}) {
            require(share >= 0 && share <= 1, "shares must be between 0 and 1");
        }
        require(duplicateShare + badShare < 1, "duplicateShare + badShare must leave room for messages");
        if (profile == TrafficProfile.MIXED) {
            require(smallGroups > 0 && largeGroupSize > 0, "the mixed profile needs small groups and a large group");
            require(largeGroupSize <= users + churnUsers && smallGroupSize <= users + churnUsers, "the mixed "
                    + "profile's large group of " + largeGroupSize + " needs as many users, there are "
                    + (users + churnUsers) + " (raise users)");
        }
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(settle, "settle");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        Objects.requireNonNull(persistGrace, "persistGrace");
    }

    /** Every setting at its default; set what differs. */
    public static Builder builder(String bootstrapServers) {
        return new Builder(bootstrapServers);
    }

    /** A builder holding these settings, to change a few. */
    public Builder toBuilder() {
        return builder(bootstrapServers).topicPrefix(topicPrefix).profile(profile).gateways(gateways).users(users)
                .maxDevices(maxDevices).offlineShare(offlineShare).churnUsers(churnUsers).smallGroups(smallGroups)
                .smallGroupSize(smallGroupSize).largeGroupSize(largeGroupSize).groupShare(groupShare).rate(rate)
                .duration(duration).messageBytes(messageBytes).duplicateShare(duplicateShare).badShare(badShare)
                .scheduledShare(scheduledShare).settle(settle).drainTimeout(drainTimeout).senderSync(senderSync)
                .seed(seed).messageLimit(messageLimit).workerUrl(workerUrl).serviceToken(serviceToken)
                .persistGrace(persistGrace);
    }

    /** Whether the history API is there to prove persistence (else: persist tasks only). */
    public boolean checksHistory() {
        return workerUrl != null;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** Named settings over named defaults. */
    public static final class Builder {

        private final String bootstrapServers;
        private String topicPrefix = DEFAULT_TOPIC_PREFIX;
        private TrafficProfile profile = DEFAULT_PROFILE;
        private int gateways = DEFAULT_GATEWAYS;
        private Integer users;
        private int maxDevices = DEFAULT_MAX_DEVICES;
        private double offlineShare = DEFAULT_OFFLINE_SHARE;
        private int churnUsers = DEFAULT_CHURN_USERS;
        private int smallGroups = DEFAULT_SMALL_GROUPS;
        private Integer smallGroupSize;
        private Integer largeGroupSize;
        private double groupShare = DEFAULT_GROUP_SHARE;
        private int rate = DEFAULT_RATE;
        private Duration duration = DEFAULT_DURATION;
        private int messageBytes = DEFAULT_MESSAGE_BYTES;
        private double duplicateShare = DEFAULT_DUPLICATE_SHARE;
        private double badShare = DEFAULT_BAD_SHARE;
        private double scheduledShare = DEFAULT_SCHEDULED_SHARE;
        private Duration settle = DEFAULT_SETTLE;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private boolean senderSync = DEFAULT_SENDER_SYNC;
        private long seed = DEFAULT_SEED;
        private int messageLimit = DEFAULT_MESSAGE_LIMIT;
        private String workerUrl;
        private String serviceToken = "";
        private Duration persistGrace = DEFAULT_PERSIST_GRACE;

        private Builder(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
        }

        public Builder topicPrefix(String value) {
            topicPrefix = value;
            return this;
        }

        /** The message mix; {@link TrafficProfile#MIXED} also changes the defaults of users and group sizes. */
        public Builder profile(TrafficProfile value) {
            profile = value;
            return this;
        }

        public Builder gateways(int value) {
            gateways = value;
            return this;
        }

        /** Default {@value #DEFAULT_USERS} ({@value TrafficProfile#MIXED_USERS} in the mixed profile). */
        public Builder users(int value) {
            users = value;
            return this;
        }

        public Builder maxDevices(int value) {
            maxDevices = value;
            return this;
        }

        public Builder offlineShare(double value) {
            offlineShare = value;
            return this;
        }

        public Builder churnUsers(int value) {
            churnUsers = value;
            return this;
        }

        public Builder smallGroups(int value) {
            smallGroups = value;
            return this;
        }

        /** Default random 3..20 ({@value TrafficProfile#MIXED_SMALL_GROUP_SIZE} in the mixed profile). */
        public Builder smallGroupSize(int value) {
            smallGroupSize = value;
            return this;
        }

        /**
         * Default {@value #DEFAULT_LARGE_GROUP_SIZE} ({@value TrafficProfile#MIXED_LARGE_GROUP_SIZE} in the mixed
         * profile); at most every user.
         */
        public Builder largeGroupSize(int value) {
            largeGroupSize = value;
            return this;
        }

        public Builder groupShare(double value) {
            groupShare = value;
            return this;
        }

        public Builder rate(int value) {
            rate = value;
            return this;
        }

        public Builder duration(Duration value) {
            duration = value;
            return this;
        }

        public Builder messageBytes(int value) {
            messageBytes = value;
            return this;
        }

        public Builder duplicateShare(double value) {
            duplicateShare = value;
            return this;
        }

        public Builder badShare(double value) {
            badShare = value;
            return this;
        }

        public Builder scheduledShare(double value) {
            scheduledShare = value;
            return this;
        }

        public Builder settle(Duration value) {
            settle = value;
            return this;
        }

        public Builder drainTimeout(Duration value) {
            drainTimeout = value;
            return this;
        }

        public Builder senderSync(boolean value) {
            senderSync = value;
            return this;
        }

        public Builder seed(long value) {
            seed = value;
            return this;
        }

        public Builder messageLimit(int value) {
            messageLimit = value;
            return this;
        }

        /** The task-worker's base URL, e.g. {@code http://localhost:8083}; null or blank: no history check. */
        public Builder workerUrl(String value) {
            workerUrl = value;
            return this;
        }

        public Builder serviceToken(String value) {
            serviceToken = value;
            return this;
        }

        public Builder persistGrace(Duration value) {
            persistGrace = value;
            return this;
        }

        public SimulationSettings build() {
            boolean mixed = profile == TrafficProfile.MIXED;
            int u = users != null ? users : mixed ? TrafficProfile.MIXED_USERS : DEFAULT_USERS;
            int small = smallGroupSize != null ? smallGroupSize
                    : mixed ? TrafficProfile.MIXED_SMALL_GROUP_SIZE : DEFAULT_SMALL_GROUP_SIZE;
            int large = largeGroupSize != null ? largeGroupSize
                    : mixed ? TrafficProfile.MIXED_LARGE_GROUP_SIZE : DEFAULT_LARGE_GROUP_SIZE;
            return new SimulationSettings(bootstrapServers, topicPrefix, profile, gateways, u, maxDevices,
                    offlineShare, churnUsers, smallGroups, small, large, groupShare, rate, duration, messageBytes,
                    duplicateShare, badShare, scheduledShare, settle, drainTimeout, senderSync, seed, messageLimit,
                    workerUrl, serviceToken, persistGrace);
        }
    }
}
