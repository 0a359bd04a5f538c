package io.impipeline.platform.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.impipeline.model.codec.ValidatingSerde;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImStreamsEnvironmentPostProcessorTest {

    private static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        new ImStreamsEnvironmentPostProcessor().postProcessEnvironment(environment, new SpringApplication());
        return environment;
    }

    @Test
    void bindingDestinationsFollowTheConfiguredTopicNamesAndPrefix() {
        StandardEnvironment env = environment(Map.of("im.topics.prefix", "staging.",
                "im.topics.specs.upstream.name", "chat-in"));
        assertThat(env.getProperty("im.topic-names.upstream")).isEqualTo("staging.chat-in");
        assertThat(env.getProperty("im.topic-names.upstream-dlq")).isEqualTo("staging.chat-in-dlq");
        assertThat(env.getProperty("im.topic-names.routed")).isEqualTo("staging.im-routed-topic");
    }

    @Test
    void streamsSettingsBecomeTheBinderConfigurationWithThePrefixedApplicationId() {
        StandardEnvironment env = environment(Map.of("im.topics.prefix", "staging.",
                "spring.cloud.function.definition", "route", "spring.application.name", "upstream-router",
                "im.streams.application-id", "im-logic-group", "im.streams.commit-interval", "50ms",
                "im.streams.standby-replicas", "1", "im.streams.advertised-host", "router-0.svc",
                "im.validation.max-group-members", "500", "server.port", "8081"));
        String binder = "spring.cloud.stream.kafka.streams.binder.";
        assertThat(env.getProperty(binder + "functions.route.application-id")).isEqualTo("staging.im-logic-group");
        assertThat(env.getProperty(binder + "configuration.commit.interval.ms")).isEqualTo("50");
        assertThat(env.getProperty(binder + "configuration.num.standby.replicas")).isEqualTo("1");
        assertThat(env.getProperty(binder + "configuration.application.server")).isEqualTo("router-0.svc:8081");
        assertThat(env.getProperty(binder + "configuration.state.dir")).endsWith("/upstream-router");
        assertThat(env.getProperty(binder + "configuration.im.validation.max-group-members")).isEqualTo("500");
    }

    /** KAFKA-18654: with transactions v2 the client's default 100 ms (doubling) delays back-to-back transactions. */
    @Test
    void transactionalProducersRetryAConcurrentTransactionAfterAShortWait() {
        String key = "spring.cloud.stream.kafka.streams.binder.configuration.producer.retry.backoff.ms";
        assertThat(environment(Map.of("im.streams.application-id", "x")).getProperty(key)).isEqualTo("10");
        assertThat(environment(Map.of("im.streams.application-id", "x", "im.streams.producer-retry-backoff", "25ms"))
                .getProperty(key)).isEqualTo("25");
    }

    /** A restart restores every store; each round that finds nothing new waits the broker's fetch wait. */
    @Test
    void restoreAndGlobalConsumersWaitBrieflyForAnEmptyFetch() {
        String config = "spring.cloud.stream.kafka.streams.binder.configuration.";
        StandardEnvironment defaults = environment(Map.of("im.streams.application-id", "x"));
        assertThat(defaults.getProperty(config + "restore.consumer.fetch.max.wait.ms")).isEqualTo("100");
        assertThat(defaults.getProperty(config + "global.consumer.fetch.max.wait.ms")).isEqualTo("100");
        assertThat(defaults.getProperty(config + "main.consumer.fetch.max.wait.ms")).isNull();
        StandardEnvironment set = environment(Map.of("im.streams.application-id", "x",
                "im.streams.restore-fetch-max-wait", "20ms"));
        assertThat(set.getProperty(config + "restore.consumer.fetch.max.wait.ms")).isEqualTo("20");
        assertThat(set.getProperty(config + "global.consumer.fetch.max.wait.ms")).isEqualTo("20");
    }

    @Test
    void streamsThreadsAreStaticGroupMembersNamedAfterTheAppAndTheInstance() {
        StandardEnvironment env = environment(Map.of("spring.application.name", "upstream-router",
                "im.streams.application-id", "im-logic-group", "im.instance-id", "router-1"));
        String config = "spring.cloud.stream.kafka.streams.binder.configuration.";
        assertThat(env.getProperty(config + "group.instance.id")).isEqualTo("upstream-router-router-1");
        assertThat(env.getProperty(config + "session.timeout.ms")).isEqualTo("10000");

        StandardEnvironment dynamic = environment(Map.of("im.streams.application-id", "x",
                "im.kafka.static-membership", "false"));
        assertThat(dynamic.getProperty(config + "group.instance.id")).isNull();
    }

    @Test
    void anAppWithoutStreamsSettingsGetsOnlyTheTopicNames() {
        StandardEnvironment env = environment(Map.of("spring.cloud.function.definition", "route"));
        assertThat(env.getProperty("spring.cloud.stream.kafka.streams.binder.functions.route.application-id"))
                .isNull();
        assertThat(env.getProperty("im.topic-names.task")).isEqualTo("im-task-topic");
    }

    @Test
    void aRawBinderKeySetByTheOperatorStillWins() {
        StandardEnvironment env = environment(Map.of("im.streams.application-id", "x",
                "spring.cloud.stream.kafka.streams.binder.configuration.commit.interval.ms", "7"));
        assertThat(env.getProperty("spring.cloud.stream.kafka.streams.binder.configuration.commit.interval.ms"))
                .isEqualTo("7");
    }

    @Test
    void theGlobalTableSerdeChecksTheConfiguredGroupLimitNotTheDefault() {
        ValidatingSerde.GroupMemberships serde = new ValidatingSerde.GroupMemberships();
        serde.configure(Map.of("im.validation.max-group-members", "2"), false);
        byte[] threeMembers = """
                {"group_id":"g1","members":["a","b","c"],"version":1,"timestamp":1700000000000}"""
                .getBytes(StandardCharsets.UTF_8);
        assertThat(serde.limits().maxGroupMembers()).isEqualTo(2);
        assertThatThrownBy(() -> serde.deserializer().deserialize("im-group-topic", threeMembers))
                .isInstanceOf(SerializationException.class);
        assertThat(new ValidatingSerde.GroupMemberships().deserializer().deserialize("im-group-topic", threeMembers)
                .members()).hasSize(3);
    }
}
