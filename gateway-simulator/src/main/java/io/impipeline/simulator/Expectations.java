package io.impipeline.simulator;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.simulator.DeliveryChecker.Deliver;
import io.impipeline.simulator.DeliveryChecker.DeviceAt;
import io.impipeline.simulator.DeliveryChecker.EitherWay;
import io.impipeline.simulator.DeliveryChecker.Expected;
import io.impipeline.simulator.DeliveryChecker.Push;

/**
 * What each user must get of a message, registered with the {@link DeliveryChecker} before the message is sent:
 * <ul>
 *   <li>a stable online user: every device, once ({@link Deliver});</li>
 *   <li>a stable offline user: one push ({@link Push});</li>
 *   <li>a churning user: delivered or pushed, exactly one way; delivered always to her device that stays online,
 *       if she has one ({@link EitherWay});</li>
 *   <li>the sender of a single-chat message, with sync copies on: her other devices ({@link Deliver}), never a push
 *       (the dispatcher drops a sync copy nobody can receive); nothing at all when she has no other device.</li>
 * </ul>
 * Group messages: every member but the sender. Nobody else may get anything.
 */
final class Expectations {

    private final Population population;
    private final DeliveryChecker checker;
    private final boolean senderSync;

    Expectations(Population population, DeliveryChecker checker, boolean senderSync) {
        this.population = population;
        this.checker = checker;
        this.senderSync = senderSync;
    }

    /** Registers an accepted message and what each of its users must get. */
    void register(UpstreamMessage m) {
        checker.expectAccepted(m);
        if (m.groupId() != null) {
            List<String> members = population.groups().get(m.groupId());
            for (String member : members) {
                if (!member.equals(m.fromUserId())) {
                    checker.expect(m.messageId(), member, forRecipient(member));
                }
            }
            return;
        }
        checker.expect(m.messageId(), m.toUserId(), forRecipient(m.toUserId()));
        if (senderSync) {
            if (!population.isStable(m.fromUserId())) {
                throw new IllegalStateException("senders are stable users: " + m.fromUserId());
            }
            Set<DeviceAt> others = population.devices(m.fromUserId()).stream()
                    .filter(d -> !d.deviceId().equals(m.deviceId()))
                    .map(Population.Device::at)
                    .collect(Collectors.toSet());
            if (!others.isEmpty()) {
                checker.expect(m.messageId(), m.fromUserId(), new Deliver(others));
            }
        }
    }

    Expected forRecipient(String user) {
        if (population.isChurning(user)) {
            return new EitherWay(population.permanentDevicesAt(user), population.devicesAt(user));
        }
        if (!population.isOnline(user)) {
            return new Push();
        }
        return new Deliver(population.devicesAt(user));
    }
}
