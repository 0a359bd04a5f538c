package io.impipeline.model.wire;

import java.util.List;

/** A group's full member list ({@code im-group-topic}, compacted, key {@code group_id}); a tombstone deletes it. */
public record GroupMembership(String groupId, List<String> members, long version, long timestamp) {
}
