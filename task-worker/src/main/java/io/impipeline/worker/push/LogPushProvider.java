package io.impipeline.worker.push;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default provider, for development and for deployments where another system reads
 * {@code push_notifications}: the rows written by {@link PushStep} with status {@code SENT} (one per user of the
 * batch) are the push. Logs ids only, never the content.
 */
public class LogPushProvider implements PushProvider {

    private static final Logger log = LoggerFactory.getLogger(LogPushProvider.class);

    @Override
    public String name() {
        return "log";
    }

    @Override
    public PushOutcome send(PushBatch batch) {
        log.debug("push from_user_id={} message_id={} push_type={} users={}", batch.fromUserId(), batch.messageId(),
                batch.pushType(), batch.userIds().size());
        return PushOutcome.all(batch, PushResult.sent());
    }
}
