package io.impipeline.worker.batch;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.trace.TraceStage;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.kafka.core.KafkaOperations;

/**
 * The worker's trace events (issue 15) on {@code im-trace-topic}: {@code persisted}, {@code pushed} and
 * {@code fanned_out}, key {@code message_id}, value the {@link TraceEvent} as wire JSON. Written with the poll's
 * transactional template <em>on the listener thread</em>, so each event goes out in the same Kafka transaction as the
 * poll's other output and its consumer offsets: a read_committed reader sees an event exactly when the poll that did
 * the work committed, and never the events of a poll that was rolled back (the redelivered poll writes its own).
 * Detail keys are snake_case and hold ids, counts and provider results, never message content.
 *
 * <p>Off ({@code im.trace.enabled=false}): nothing is built or written.
 */
public final class MessageTrace {

    private static final MessageTrace OFF = new MessageTrace(null, null, null, null);

    private final KafkaOperations<String, byte[]> template;
    private final String topic;
    private final String app;
    private final Clock clock;

    /**
     * @param template the transactional template of the listeners
     * @param topic    {@code im-trace-topic} with the configured prefix
     * @param app      {@code spring.application.name}
     */
    public MessageTrace(KafkaOperations<String, byte[]> template, String topic, String app, Clock clock) {
        this.template = template;
        this.topic = topic;
        this.app = app;
        this.clock = clock;
    }

    /** Writes nothing. */
    public static MessageTrace off() {
        return OFF;
    }

    public boolean on() {
        return template != null;
    }

    /**
     * The message's history row is in PostgreSQL (stored by this poll, or found already there: a redelivery).
     *
     * @param alreadyStored the row was there before this poll (its insert changed nothing)
     */
    public void persisted(String messageId, String fromUserId, String conversationId, long seq,
                          boolean alreadyStored) {
        if (!on()) {
            return;
        }
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("seq", seq);
        detail.put("conversation_id", conversationId);
        if (alreadyStored) {
            detail.put("already_stored", true);
        }
        write(messageId, fromUserId, TraceStage.PERSISTED, detail);
    }

    /** The push batches of one message in this poll were handed to the provider (detail: users, result, counts). */
    public void pushed(String messageId, String fromUserId, Map<String, Object> detail) {
        if (on()) {
            write(messageId, fromUserId, TraceStage.PUSHED, detail);
        }
    }

    /** One page of a large group's fan-out was written to {@code im-routed-topic} (detail: page, recipients...). */
    public void fannedOut(String messageId, String fromUserId, Map<String, Object> detail) {
        if (on()) {
            write(messageId, fromUserId, TraceStage.FANNED_OUT, detail);
        }
    }

    private void write(String messageId, String fromUserId, TraceStage stage, Map<String, Object> detail) {
        TraceEvent event = new TraceEvent(messageId, fromUserId, stage, app, clock.millis(), detail);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, event.key(), WireJson.toBytes(event));
        // Straight to the poll's transactional producer (execute binds the same one send would): a trace event is
        // bookkeeping, not a hop of the message, so it needs no observation (span, traceparent header, timer), which
        // made up a quarter of the worker's CPU (docs/benchmarks.md). A failed send fails the transaction's commit,
        // so the poll is redone with its events, as with send.
        template.execute(producer -> producer.send(record));
    }
}
