package io.impipeline.worker.push;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a provider made of a batch: a {@link PushResult} for every user of it. */
public record PushOutcome(Map<String, PushResult> byUser) {

    public PushOutcome {
        byUser = Map.copyOf(byUser);
    }

    /** The same result for every user (a provider that answers per call, like the webhook). */
    public static PushOutcome all(PushBatch batch, PushResult result) {
        Map<String, PushResult> byUser = new LinkedHashMap<>();
        batch.userIds().forEach(u -> byUser.put(u, result));
        return new PushOutcome(byUser);
    }

    /** The result of one user; a user the provider did not answer for counts as failed (retried). */
    public PushResult of(String userId) {
        return byUser.getOrDefault(userId, PushResult.failed("the provider gave no result for this user"));
    }

    /** The users of {@code batch} whose result has this status, in the batch's order. */
    public List<String> users(PushBatch batch, PushResult.Status status) {
        return batch.userIds().stream().filter(u -> of(u).status() == status).toList();
    }
}
