package io.impipeline.simulator;

import java.time.Duration;

/**
 * What to simulate. Shares are fractions of the messages sent (0..1).
 *
 * @param bootstrapServers the cluster
 * @param topicPrefix      {@code im.topics.prefix} of the cluster
 * @param gateways         gateways with stable users
 * @param users            users in the checked cohort
 * @param maxDevices       devices per online user, 1..maxDevices
 * @param offlineShare     share of users that stay offline (they get offline pushes)
 * @param churnUsers       extra users that go online and offline while the run goes on, on a gateway that drains
 *                         and then dies; their deliveries are checked for duplicates and order only
 * @param smallGroups      small groups (3..20 members)
 * @param largeGroupSize   members of the one large group (fanned out by the task-worker); 0 for none
 * @param groupShare       share of messages that are group messages
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
 */
public record SimulationSettings(
        String bootstrapServers,
        String topicPrefix,
        int gateways,
        int users,
        int maxDevices,
        double offlineShare,
        int churnUsers,
        int smallGroups,
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
        int messageLimit) {

    public static SimulationSettings defaults(String bootstrapServers) {
        return new SimulationSettings(bootstrapServers, "", 3, 200, 2, 0.1, 10, 5, 250, 0.2, 50,
                Duration.ofSeconds(30), 100, 0.02, 0.01, 0.01, Duration.ofSeconds(5), Duration.ofSeconds(60), true,
                42, 0);
    }

    public SimulationSettings withRate(int newRate, Duration newDuration) {
        return new SimulationSettings(bootstrapServers, topicPrefix, gateways, users, maxDevices, offlineShare,
                churnUsers, smallGroups, largeGroupSize, groupShare, newRate, newDuration, messageBytes, duplicateShare,
                badShare, scheduledShare, settle, drainTimeout, senderSync, seed, messageLimit);
    }
}
