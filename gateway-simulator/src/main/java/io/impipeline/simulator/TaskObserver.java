package io.impipeline.simulator;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import io.impipeline.model.codec.Tasks;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.wire.Task;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches {@code im-task-topic} and the upstream dead-letter topic in a group of its own: persist tasks (seq, and
 * persistence when no history API is given), offline pushes (every user of every batch), and the simulator's bad
 * records arriving as dead letters.
 */
final class TaskObserver {

    private static final Logger log = LoggerFactory.getLogger(TaskObserver.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final KafkaClients clients;
    private final ImTopicsProperties topics;
    private final DeliveryChecker checker;
    private final BooleanSupplier running;

    TaskObserver(KafkaClients clients, ImTopicsProperties topics, DeliveryChecker checker, BooleanSupplier running) {
        this.clients = clients;
        this.topics = topics;
        this.checker = checker;
        this.running = running;
    }

    void run() {
        String dlq = topics.dlqTopic(TopicKind.UPSTREAM);
        try (KafkaConsumer<String, byte[]> consumer = clients.groupConsumer("im-sim-observer-" + UUID.randomUUID())) {
            consumer.subscribe(List.of(topics.name(TopicKind.TASK), dlq));
            while (running.getAsBoolean()) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
                    if (r.topic().equals(dlq)) {
                        Header h = r.headers().lastHeader(Simulation.SIM_ID_HEADER);
                        checker.onDeadLetter(h == null ? null : new String(h.value(), StandardCharsets.UTF_8));
                    } else {
                        task(r);
                    }
                }
            }
        } catch (RuntimeException e) {
            log.error("observer consumer failed", e);
        }
    }

    private void task(ConsumerRecord<String, byte[]> r) {
        try {
            Task task = WireJson.fromBytes(r.value(), Task.class);
            switch (task.taskType()) {
                case PERSIST_MESSAGE -> checker.onPersistTask(Tasks.persistPayload(task));
                case OFFLINE_PUSH -> checker.onPushTask(Tasks.offlinePushPayload(task));
                case GROUP_FANOUT -> { }
            }
        } catch (RuntimeException e) {
            // Not necessarily ours (the topic is shared); ours would then show up as missing.
            log.warn("undecodable task at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.toString());
        }
    }
}
