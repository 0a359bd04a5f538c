package io.impipeline.dispatcher.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

import io.impipeline.model.wire.DownstreamMessage.Recipient;
import io.impipeline.model.wire.RoutedMessage;

/**
 * A group batch's recipients as the dispatcher can reach them: the online ones by gateway, each with its devices
 * there (a member with devices on two gateways is on both), and the offline ones. Everything is sorted (gateways,
 * users, devices) so that a re-run of the same record produces the same records and the same push tasks. The sender
 * is never a recipient of its own group message, should a batch list it; a member listed twice counts once.
 *
 * @param online  gateway_id -> its recipients, by user id
 * @param offline the users with no device on a deliverable gateway, sorted
 */
record GroupAudience(SortedMap<String, List<Recipient>> online, List<String> offline) {

    static GroupAudience of(RoutedMessage batch, Reach reach) {
        SortedSet<String> members = new TreeSet<>(batch.recipientIds());
        members.remove(batch.message().fromUserId());
        SortedMap<String, List<Recipient>> online = new TreeMap<>();
        List<String> offline = new ArrayList<>();
        for (String member : members) {
            SortedMap<String, List<String>> devices = reach.devicesByGateway(member, null);
            if (devices.isEmpty()) {
                offline.add(member);
            }
            devices.forEach((gatewayId, deviceIds) ->
                    online.computeIfAbsent(gatewayId, g -> new ArrayList<>()).add(new Recipient(member, deviceIds)));
        }
        return new GroupAudience(online, offline);
    }
}
