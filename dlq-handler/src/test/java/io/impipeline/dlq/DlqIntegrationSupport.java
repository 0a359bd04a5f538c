package io.impipeline.dlq;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.testkit.KafkaTestClients;
import io.impipeline.testkit.TestPostgres;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

import static org.awaitility.Awaitility.await;

/**
 * One app, one embedded KRaft broker and one PostgreSQL database for every integration test class extending this
 * (Spring caches the context). Tests use topics of their own, so they do not see each other's dead letters.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.kafka.bootstrap-servers=${spring.embedded.kafka.brokers}",
        "im.topics.replication-factor=1",
        "im.security.service-token=" + DlqIntegrationSupport.TOKEN,
        "im.dlq.capture.metadata-max-age=1s",
        "im.dlq.capture.retry-initial=200ms",
        "im.dlq.capture.retry-max=1s",
        "im.dlq.topic-replay.progress-interval=200ms",
        "im.dlq.topic-replay.poll-timeout=100ms",
        // The overview asks again at once and samples throughput often; the apps are set below.
        "im.dlq.console.cache-ttl=50ms",
        "im.dlq.console.throughput-interval=300ms",
        // The tests' own topics (unique(...): a name and 8 hex digits) are replay targets besides the default ones.
        "im.dlq.replay.allowed-topic-patterns=im-[a-z-]+-[0-9a-f]{8}"})
@EmbeddedKafka(partitions = 1)
public abstract class DlqIntegrationSupport {

    static final String TOKEN = "test-token";
    static final Duration WAIT = Duration.ofSeconds(30);

    private static KafkaProducer<String, byte[]> producer;

    @Autowired
    protected EmbeddedKafkaBroker broker;
    @Autowired
    protected JdbcClient jdbc;
    @LocalServerPort
    protected int port;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestPostgres.register(registry, "dlq");
        // The overview's apps: this instance, a stand-in dispatcher (health DOWN, gateways, trace writing), one where
        // nothing runs, a task-worker started with trace off and an app without trace writing (both on the stand-in,
        // not on their default ports: something else may listen there).
        registry.add("im.dlq.console.apps.downstream-dispatcher", ConsoleStub::url);
        registry.add("im.dlq.console.apps.upstream-router", ConsoleStub::unreachableUrl);
        registry.add("im.dlq.console.apps.task-worker", () -> ConsoleStub.url() + ConsoleStub.TRACE_OFF);
        registry.add("im.dlq.console.apps.gateway-admin", () -> ConsoleStub.url() + ConsoleStub.PLAIN);
    }

    @BeforeAll
    static void openProducer(@Autowired EmbeddedKafkaBroker broker) {
        producer = KafkaTestClients.producer(broker.getBrokersAsString());
    }

    @AfterAll
    static void closeProducer() {
        producer.close();
    }

    protected static String unique(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    protected void createTopics(int partitions, String... names) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.getBrokersAsString()))) {
            admin.createTopics(List.of(names).stream().map(n -> new NewTopic(n, partitions, (short) 1)).toList())
                    .all().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    protected void createTopic(String name, int partitions, Map<String, String> configs) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.getBrokersAsString()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs)))
                    .all().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Creates the topic unless it exists (names shared by several tests, such as the default replay targets). */
    protected void ensureTopic(String name) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.getBrokersAsString()))) {
            if (!admin.listTopics().names().get(WAIT.toSeconds(), TimeUnit.SECONDS).contains(name)) {
                admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all()
                        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                throw new IllegalStateException(e);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    protected RecordMetadata send(ProducerRecord<String, byte[]> record) {
        try {
            return producer.send(record).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Creates the topic and its dead-letter topic ({@code -dlq}), one partition each; the dead-letter topic's name. */
    protected String createWithDeadLetterTopic(String original) {
        String dlq = original + "-dlq";
        createTopics(1, original, dlq);
        return dlq;
    }

    /** A dead letter as the Streams apps write it: original key, value and headers plus the dead-letter headers. */
    protected RecordMetadata sendDeadLetter(String dlqTopic, String originalTopic, long originalOffset, String key,
                                            byte[] value, ReasonCode reason, Map<String, String> originalHeaders) {
        RecordHeaders headers = new RecordHeaders();
        originalHeaders.forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
        DeadLetterHeaders.stamp(headers, new DeadLetterHeaders.Origin(originalTopic, 0, originalOffset,
                        1_700_000_000_000L), "upstream-router", reason, null, reason + " in field x");
        return send(new ProducerRecord<>(dlqTopic, null, key, value, headers));
    }

    protected long storedCount(String dlqTopic) {
        return jdbc.sql("SELECT count(*) FROM dead_letters WHERE dlq_topic = :t").param("t", dlqTopic)
                .query(Long.class).single();
    }

    protected void awaitStored(String dlqTopic, long count) {
        await().atMost(WAIT).until(() -> storedCount(dlqTopic) >= count);
    }

    protected Response call(HttpMethod method, String path, Object body) {
        return call(method, path, body, null);
    }

    /** @param operator sent as {@code X-Operator} when not null */
    private Response call(HttpMethod method, String path, Object body, String operator) {
        RestClient.RequestBodySpec spec = RestClient.create("http://localhost:" + port).method(method).uri(path)
                .header("X-Service-Token", TOKEN);
        if (operator != null) {
            spec.header("X-Operator", operator);
        }
        if (body != null) {
            spec.contentType(MediaType.APPLICATION_JSON)
                    .body(body instanceof String s ? s : WireJson.mapper().writeValueAsString(body));
        }
        return spec.exchange((req, res) -> {
            byte[] bytes = res.getBody().readAllBytes();
            return new Response(res.getStatusCode().value(),
                    bytes.length == 0 ? null : WireJson.mapper().readTree(bytes));
        });
    }

    protected Response get(String path) {
        return call(HttpMethod.GET, path, null);
    }

    protected Response post(String path, Object body) {
        return call(HttpMethod.POST, path, body);
    }

    /** A PUT naming its operator in {@code X-Operator}. */
    protected Response putAs(String operator, String path, Object body) {
        return call(HttpMethod.PUT, path, body, operator);
    }

    /** A POST naming its operator in {@code X-Operator}. */
    protected Response postAs(String operator, String path, Object body) {
        return call(HttpMethod.POST, path, body, operator);
    }

    public record Response(int status, JsonNode body) {
    }

    /** Undoes {@link #refuseInserts}. */
    protected interface Refusal extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Makes PostgreSQL refuse the rows inserted into {@code table} that meet {@code condition} (plpgsql over
     * {@code NEW}), with the error "refused by the test": stands for anything PostgreSQL may refuse that the checks
     * before it did not foresee. Closing it removes the trigger.
     */
    protected Refusal refuseInserts(String table, String condition) {
        String name = "refuse_test_" + table;
        jdbc.sql("""
                CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF %s THEN
                        RAISE EXCEPTION 'refused by the test';
                    END IF;
                    RETURN NEW;
                END $$""".formatted(name, condition)).update();
        jdbc.sql("CREATE TRIGGER %s BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION %s()"
                .formatted(name, table, name)).update();
        return () -> {
            jdbc.sql("DROP TRIGGER %s ON %s".formatted(name, table)).update();
            jdbc.sql("DROP FUNCTION %s()".formatted(name)).update();
        };
    }
}
