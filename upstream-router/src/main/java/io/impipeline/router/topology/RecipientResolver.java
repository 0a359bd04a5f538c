package io.impipeline.router.topology;

import java.util.List;

import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.Rejection;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.dlq.DeadLetter;
import io.impipeline.model.wire.GroupMembership;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.router.metrics.RouterMetrics;
import org.apache.kafka.streams.kstream.KeyValueMapper;
import org.apache.kafka.streams.kstream.ValueJoiner;

/**
 * Step 5 (join with the group table): looks up a group message's members as they are when it is sequenced.
 * {@link Admission} already refused messages for groups it did not know, before dedup; a group deleted since (while
 * the message was held for {@code deliver_at}, or in the repartition topic) is still a dead letter here, before the
 * message takes a sequence number, but dedup has remembered the message by then: a replay within the dedup window
 * is dropped as a duplicate (logged at WARN by {@link DedupProcessor}). The table holds bytes: a group whose entry
 * cannot be read ({@link GroupReader}) is unknown here too.
 */
final class RecipientResolver implements ValueJoiner<UpstreamMessage, byte[], Step<Addressed>> {

    /** The lookup key of a single-chat message: never a group id (ids are non-blank). */
    static final String NO_GROUP = "";

    private final RouterMetrics metrics;
    private final GroupReader groups;

    RecipientResolver(RouterMetrics metrics, GroupReader groups) {
        this.metrics = metrics;
        this.groups = groups;
    }

    static KeyValueMapper<String, UpstreamMessage, String> groupKey() {
        return (key, message) -> message.isGroupMessage() ? message.groupId() : NO_GROUP;
    }

    @Override
    public Step<Addressed> apply(UpstreamMessage message, byte[] stored) {
        if (!message.isGroupMessage()) {
            return Step.pass(new Addressed(message, List.of()));
        }
        GroupMembership group = stored == null ? null : groups.read(message.groupId(), stored);
        if (group == null) {
            metrics.invalid(ReasonCode.UNKNOWN_GROUP);
            return Step.dead(DeadLetter.rejected(WireJson.toBytes(message), Rejection.of(ReasonCode.UNKNOWN_GROUP,
                    "group " + message.groupId() + " is unknown (message " + message.messageId() + ")")));
        }
        return Step.pass(new Addressed(message, group.members() == null ? List.of() : group.members()));
    }
}
