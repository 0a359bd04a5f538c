package io.impipeline.router.topology;

import io.impipeline.model.codec.Decoded;
import io.impipeline.model.codec.WireSerde;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.wire.GroupMembership;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Reads {@code im-group-topic} for the global table, validated. A bad group record throws, so that the
 * deserialization handler (log and continue) skips it: a null here would delete the group.
 */
public class GroupMembershipSerde implements Serde<GroupMembership> {

    private final WireValidator validator = WireValidator.withDefaults();

    @Override
    public Serializer<GroupMembership> serializer() {
        return WireSerde.of(GroupMembership.class).serializer();
    }

    @Override
    public Deserializer<GroupMembership> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            Decoded<GroupMembership> decoded = validator.decodeGroup(bytes);
            if (!decoded.isValid()) {
                throw new SerializationException("bad group record on " + topic + ": " + decoded.rejection());
            }
            return decoded.value();
        };
    }
}
