package io.impipeline.dispatcher.gateway;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.impipeline.dispatcher.settings.DispatcherProperties;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.wire.GatewayHeartbeat;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import static org.assertj.core.api.Assertions.assertThat;

/** Gateway topics are created with the contract's spec, idempotently, on the scan or on demand; failures back off. */
class GatewayTopicProvisionerIntegrationTest {

    private static EmbeddedKafkaKraftBroker broker;
    private static Admin admin;

    private final List<GatewayHeartbeat> table = new ArrayList<>();

    @BeforeAll
    static void startBroker() {
        broker = io.impipeline.testkit.TestBrokers.start(1);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()));
    }

    @AfterAll
    static void stopBroker() {
        admin.close();
        broker.destroy();
    }

    private GatewayTopicProvisioner provisioner(Short replicationFactor) {
        ImTopicsProperties topics = new ImTopicsProperties("", "lz4", 2, replicationFactor, null, null, null, null,
                null);
        return new GatewayTopicProvisioner(
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString())),
                topics, DispatcherProperties.defaults(), Clock.systemUTC(), () -> table,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    @Test
    void awaitReadyCreatesTheTopicWithTheDownstreamSpecAndIsIdempotent() throws Exception {
        GatewayTopicProvisioner provisioner = provisioner((short) 1);
        try {
            assertThat(provisioner.isReady("gw-a")).isFalse();
            assertThat(provisioner.awaitReady("gw-a")).isTrue();
            assertThat(provisioner.awaitReady("gw-a")).isTrue();
            assertThat(provisioner.attempts()).isEqualTo(1);

            TopicDescription description = admin.describeTopics(List.of("im-downstream-topic-gw-a")).allTopicNames()
                    .get(10, TimeUnit.SECONDS).get("im-downstream-topic-gw-a");
            assertThat(description.partitions()).hasSize(3);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "im-downstream-topic-gw-a");
            Config config = admin.describeConfigs(List.of(resource)).all().get(10, TimeUnit.SECONDS).get(resource);
            assertThat(config.get("compression.type").value()).isEqualTo("lz4");
            assertThat(config.get("retention.ms").value()).isEqualTo(String.valueOf(Duration.ofDays(1).toMillis()));
        } finally {
            provisioner.destroy();
        }
    }

    @Test
    void topicThatAlreadyExistsCountsAsReady() {
        GatewayTopicProvisioner first = provisioner((short) 1);
        GatewayTopicProvisioner second = provisioner((short) 1);
        try {
            assertThat(first.awaitReady("gw-b")).isTrue();
            assertThat(second.awaitReady("gw-b")).isTrue();
        } finally {
            first.destroy();
            second.destroy();
        }
    }

    @Test
    void scanCreatesTopicsOfLiveGatewaysOnlyAndNoticesDeletedTopics() throws Exception {
        GatewayTopicProvisioner provisioner = provisioner((short) 1);
        try {
            long now = System.currentTimeMillis();
            table.add(new GatewayHeartbeat("gw-live", GatewayHeartbeat.Status.UP, now));
            table.add(new GatewayHeartbeat("gw-old", GatewayHeartbeat.Status.UP, now - Duration.ofHours(1).toMillis()));
            provisioner.scan();
            awaitReady(provisioner, "gw-live");
            assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS))
                    .contains("im-downstream-topic-gw-live").doesNotContain("im-downstream-topic-gw-old");

            admin.deleteTopics(List.of("im-downstream-topic-gw-live")).all().get(10, TimeUnit.SECONDS);
            table.clear();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (provisioner.isReady("gw-live") && System.nanoTime() < deadline) {
                provisioner.scan();
                Thread.sleep(100);
            }
            assertThat(provisioner.isReady("gw-live")).isFalse();
        } finally {
            provisioner.destroy();
        }
    }

    @Test
    void failedCreationIsNotRetriedWithinTheBackOff() {
        // Three replicas on a one-broker cluster: the broker refuses the topic.
        GatewayTopicProvisioner provisioner = provisioner((short) 3);
        try {
            assertThat(provisioner.awaitReady("gw-c")).isFalse();
            assertThat(provisioner.awaitReady("gw-c")).isFalse();
            table.add(new GatewayHeartbeat("gw-c", GatewayHeartbeat.Status.UP, System.currentTimeMillis()));
            provisioner.scan();
            assertThat(provisioner.attempts()).as("no new attempt within the back-off").isEqualTo(1);
        } finally {
            provisioner.destroy();
        }
    }

    private static void awaitReady(GatewayTopicProvisioner provisioner, String gatewayId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!provisioner.isReady(gatewayId) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(provisioner.isReady(gatewayId)).isTrue();
    }
}
