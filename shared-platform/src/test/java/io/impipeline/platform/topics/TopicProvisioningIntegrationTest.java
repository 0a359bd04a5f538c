package io.impipeline.platform.topics;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.impipeline.platform.autoconfigure.ImCommonAutoConfiguration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import static org.assertj.core.api.Assertions.assertThat;

/** Topic provisioning and the co-partitioning check, against a real (embedded KRaft) broker. */
class TopicProvisioningIntegrationTest {

    private static EmbeddedKafkaBroker broker;
    private static Admin admin;

    @BeforeAll
    static void startBroker() {
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.afterPropertiesSet();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()));
    }

    @AfterAll
    static void stopBroker() {
        admin.close();
        broker.destroy();
    }

    private ApplicationContextRunner app(String prefix, String... properties) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, ImCommonAutoConfiguration.class))
                .withPropertyValues("spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                        "im.topics.prefix=" + prefix, "im.topics.replication-factor=1")
                .withPropertyValues(properties);
    }

    @Test
    void provisionedTopicsHaveTheConfiguredPartitionsRetentionAndCompression() throws Exception {
        app("prov.", "im.topics.provision=upstream,routed,gateway,upstream-dlq",
                "im.topics.specs.routed.partitions=4", "im.topics.specs.routed.retention=2h")
                .run(context -> assertThat(context).hasNotFailed());

        Map<String, Integer> partitions = Map.of("prov.im-upstream-topic", 10, "prov.im-routed-topic", 4,
                "prov.im-gateway-topic", 1, "prov.im-upstream-topic-dlq", 3);
        var described = admin.describeTopics(partitions.keySet()).allTopicNames().get();
        partitions.forEach((name, count) -> assertThat(described.get(name).partitions()).as(name).hasSize(count));

        Map<ConfigResource, Config> configs = admin.describeConfigs(partitions.keySet().stream()
                .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all().get();
        Config upstream = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, "prov.im-upstream-topic"));
        assertThat(upstream.get(TopicConfig.RETENTION_MS_CONFIG).value())
                .isEqualTo(String.valueOf(Duration.ofDays(7).toMillis()));
        assertThat(upstream.get(TopicConfig.COMPRESSION_TYPE_CONFIG).value()).isEqualTo("lz4");
        assertThat(upstream.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("delete");
        assertThat(upstream.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value())
                .as("min.insync.replicas is capped at the replica count").isEqualTo("1");
        assertThat(upstream.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value())
                .as("room for what the pipeline derives from the largest accepted record").isEqualTo("2097152");
        Config routed = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, "prov.im-routed-topic"));
        assertThat(routed.get(TopicConfig.RETENTION_MS_CONFIG).value())
                .isEqualTo(String.valueOf(Duration.ofHours(2).toMillis()));
        Config gateway = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, "prov.im-gateway-topic"));
        assertThat(gateway.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact");
        Config dlq = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, "prov.im-upstream-topic-dlq"));
        assertThat(dlq.get(TopicConfig.RETENTION_MS_CONFIG).value())
                .isEqualTo(String.valueOf(Duration.ofDays(14).toMillis()));
    }

    @Test
    void coPartitionedTopicsWithDifferentCountsStopTheAppWithAClearMessage() throws Exception {
        // Someone created the presence topic by hand with more partitions; partitions can never be removed.
        admin.createTopics(List.of(new NewTopic("bad.im-presence-topic", 12, (short) 1))).all().get();

        app("bad.", "im.topics.provision=routed,presence", "im.topics.co-partitioned[0]=routed,presence")
                .run(context -> {
                    assertThat(context).hasFailed();
                    Throwable cause = context.getStartupFailure();
                    while (cause.getCause() != null && !(cause instanceof TopicMisconfiguredException)) {
                        cause = cause.getCause();
                    }
                    assertThat(cause).isInstanceOf(TopicMisconfiguredException.class)
                            .hasMessageContaining("bad.im-routed-topic=10")
                            .hasMessageContaining("bad.im-presence-topic=12")
                            .hasMessageContaining("co-partitioned");
                });
    }

    @Test
    void coPartitionedTopicsWithEqualCountsStart() {
        app("good.", "im.topics.provision=routed,presence", "im.topics.co-partitioned[0]=routed,presence")
                .run(context -> assertThat(context).hasNotFailed());
        assertThat(Set.of("good.im-routed-topic", "good.im-presence-topic")).allSatisfy(name -> {
            try {
                assertThat(admin.describeTopics(List.of(name)).allTopicNames().get().get(name).partitions()).hasSize(10);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }
}
