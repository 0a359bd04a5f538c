package io.impipeline.worker.push;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default provider, for development and for deployments where another system reads
 * {@code push_notifications}: the row written by {@link PushStep} with status {@code SENT} is the push. Logs ids
 * only, never the content.
 */
public class LogPushProvider implements PushProvider {

    private static final Logger log = LoggerFactory.getLogger(LogPushProvider.class);

    @Override
    public String name() {
        return "log";
    }

    @Override
    public PushResult send(PushNotification notification) {
        log.debug("push user_id={} message_id={} push_type={}", notification.userId(), notification.messageId(),
                notification.pushType());
        return PushResult.sent();
    }
}
