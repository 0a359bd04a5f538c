package io.impipeline.worker.batch;

import java.time.Clock;
import java.util.Map;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.trace.TraceStage;
import io.impipeline.platform.messagetrace.TraceSwitch;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.kafka.core.KafkaOperations;

/**
 * The worker's trace events (issue 15) on {@code im-trace-topic}: {@code fanned_out} (one per page of a large group's
 * fan-out), key {@code message_id}, value the {@link TraceEvent} as wire JSON. Written with the poll's transactional
 * template <em>on the listener thread</em>, so each event goes out in the same Kafka transaction as the poll's other
 * output and its consumer offsets: a read_committed reader sees an event exactly when the poll that did the work
 * committed, and never the events of a poll that was rolled back (the redelivered poll writes its own). Detail keys
 * are snake_case and hold ids and counts, never message content.
 *
 * <p>The worker writes no {@code persisted} and no {@code pushed} event: its own PostgreSQL rows are already the
 * durable record of that work, written by the work's own database statements (the message's row in {@code messages}
 * with its {@code stored_at}, inserted in the persist transaction; each user's row in the push ledger
 * {@code push_notifications} with its {@code status}, {@code updated_at} and {@code last_error}, claimed before and
 * marked after the provider call). The dlq-handler's trace API derives those two stages from these tables when it is
 * asked (see docs/dlq-handler.md), which keeps one Kafka record per message off the worker's hot path (the trace cost
 * target of issue 15). {@code fanned_out} stays an event: only large groups have one, and its page and recipient
 * facts are in no table.
 *
 * <p>Off ({@code im.trace.enabled=false}): nothing is built or written; paused at run time: nothing is written.
 */
public final class MessageTrace {

    private static final MessageTrace OFF = new MessageTrace(null, null, null, null, TraceSwitch.of(false));

    private final KafkaOperations<String, byte[]> template;
    private final String topic;
    private final String app;
    private final Clock clock;
    private final TraceSwitch traceSwitch;

    /**
     * @param template the transactional template of the listeners
     * @param topic    {@code im-trace-topic} with the configured prefix
     * @param app      {@code spring.application.name}
     * @param traceSwitch whether to write now (paused at run time: nothing)
     */
    public MessageTrace(KafkaOperations<String, byte[]> template, String topic, String app, Clock clock,
                        TraceSwitch traceSwitch) {
        this.template = template;
        this.topic = topic;
        this.app = app;
        this.clock = clock;
        this.traceSwitch = traceSwitch;
    }

    /** Writes nothing. */
    public static MessageTrace off() {
        return OFF;
    }

    /** Writing now: built with a template and not paused ({@link TraceSwitch}). */
    public boolean on() {
        return template != null && traceSwitch.writing();
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
