package io.impipeline.platform.kafka;

import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;

/** The consumer properties {@link MembershipProperties} stand for, for one running instance of an app. */
public final class Membership {

    private Membership() {
    }

    public static Properties consumerProperties(MembershipProperties settings, String application, String instanceId) {
        Properties properties = new Properties();
        properties.setProperty(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
                String.valueOf(settings.sessionTimeout().toMillis()));
        if (settings.staticMembership()) {
            properties.setProperty(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, application + "-" + instanceId);
        }
        return properties;
    }
}
