package io.impipeline.platform.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 13: every listener that joins a group does so as a static member, checked where it counts: in the group the
 * broker sees (a restarted instance takes its partitions back at once instead of waiting for the old session).
 * The first version set the properties on the container factories, which spring-kafka does not pass to the
 * containers: its unit test passed while every real consumer had {@code group.instance.id = null}.
 */
class StaticMembershipIntegrationTest {

    private static EmbeddedKafkaBroker broker;
    private static Admin admin;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.afterPropertiesSet();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()));
        admin.createTopics(List.of(new NewTopic("membership-topic", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stopBroker() {
        admin.close();
        broker.destroy();
    }

    @Configuration(proxyBeanMethods = false)
    static class Listeners {

        @Bean
        GroupListener groupListener() {
            return new GroupListener();
        }
    }

    static class GroupListener {

        @KafkaListener(id = "membership-listener", topics = "membership-topic", groupId = "membership-group",
                concurrency = "2")
        void listen(String value) {
        }
    }

    private ApplicationContextRunner app() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, ImKafkaAutoConfiguration.class))
                .withUserConfiguration(Listeners.class)
                .withPropertyValues("spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                        "spring.application.name=membership-app", "im.instance-id=i-7",
                        "im.kafka.session-timeout=12s", "spring.kafka.consumer.auto-offset-reset=earliest");
    }

    @Test
    void listenersJoinTheirGroupAsStaticMembersWithTheConfiguredSession() {
        app().run(context -> {
            assertThat(context).hasNotFailed();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                ConsumerGroupDescription group = admin.describeConsumerGroups(List.of("membership-group")).all()
                        .get(10, TimeUnit.SECONDS).get("membership-group");
                assertThat(group.members()).extracting(MemberDescription::groupInstanceId).containsExactlyInAnyOrder(
                        Optional.of("membership-app-i-7-0"), Optional.of("membership-app-i-7-1"));
            });
        });
    }
}
