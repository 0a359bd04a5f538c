package io.impipeline.dispatcher.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntSupplier;

import io.impipeline.dispatcher.presence.PresenceStore;
import io.impipeline.dispatcher.presence.UserPresence;
import io.impipeline.platform.support.LogLimiter;
import io.impipeline.model.codec.Decoded;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.Rejection;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.dlq.DeadLetter;
import io.impipeline.model.wire.PresenceEvent;
import io.impipeline.model.wire.RecipientPartitions;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds presence events into the presence store: {@code online} adds or refreshes a device, {@code offline} removes
 * it, an event older than what is known for its device is ignored. Forwards only dead letters. A wall-clock
 * punctuator deletes users left with no device once their departures are older than the reorder window.
 * <p>
 * An event is stored only where the routed records of its user will look for it, else dead-lettered
 * ({@code im-presence-topic-dlq}) with its reason: it must be valid, keyed by its {@code user_id} and read from the
 * partition that user hashes to ({@link RecipientPartitions}, the partition count of the presence topic as the
 * broker reports it). A tombstone is not an event ({@code EMPTY_RECORD}). Any exception while applying an event
 * dead-letters it ({@code PROCESSING_ERROR}): nothing escapes to stop the stream thread.
 */
final class PresenceProcessor implements Processor<String, byte[], String, DeadLetter> {

    private static final Logger log = LoggerFactory.getLogger(PresenceProcessor.class);
    private static final LogLimiter LOG_LIMIT = new LogLimiter(Duration.ofMinutes(1));

    private final WireValidator validator;
    private final IntSupplier partitions;
    private final Duration reorderWindow;
    private final Duration sweepInterval;
    private final DispatchMetrics metrics;
    private ProcessorContext<String, DeadLetter> context;
    private KeyValueStore<String, UserPresence> store;

    /** @param partitions the partition count of the presence topic (read at start by {@code PresencePartitions}) */
    PresenceProcessor(WireValidator validator, IntSupplier partitions, Duration reorderWindow, Duration sweepInterval,
                      DispatchMetrics metrics) {
        this.validator = validator;
        this.partitions = partitions;
        this.reorderWindow = reorderWindow;
        this.sweepInterval = sweepInterval;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, DeadLetter> context) {
        this.context = context;
        this.store = context.getStateStore(PresenceStore.NAME);
        context.schedule(sweepInterval, PunctuationType.WALL_CLOCK_TIME, this::sweep);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        Optional<Rejection> rejection;
        try {
            rejection = fold(record);
        } catch (RuntimeException e) {
            logFailure(e);
            metrics.presence("dead_lettered");
            context.forward(record.withValue(DeadLetter.failed(record.value(), e)));
            return;
        }
        if (rejection.isPresent()) {
            metrics.presence("dead_lettered");
            context.forward(record.withValue(DeadLetter.rejected(record.value(), rejection.get())));
        }
    }

    /** Applies the event, or says why it cannot be. */
    private Optional<Rejection> fold(Record<String, byte[]> record) {
        Decoded<PresenceEvent> decoded = validator.decodePresence(record.value());
        if (!decoded.isValid()) {
            return Optional.of(decoded.rejection());
        }
        PresenceEvent event = decoded.value();
        if (!event.userId().equals(record.key())) {
            // The key is not quoted: it may be anything, of any size.
            return Optional.of(Rejection.of(ReasonCode.INVALID_FIELD, "record key must be the user_id "
                    + "(co-partitioning with routed records); it is " + describeKey(record.key())));
        }
        int count = partitions.getAsInt();
        int home = RecipientPartitions.partitionOf(event.userId(), count);
        int partition = sourcePartition();
        if (home != partition) {
            // Stored here it would never be read: the routed records of this user are on partition `home`.
            return Optional.of(Rejection.of(ReasonCode.INVALID_FIELD, "user_id: user " + event.userId()
                    + " belongs to partition " + home + " of " + count + ", the event was read from partition "
                    + partition + " (gateways must partition presence by user_id with Kafka's default murmur2)"));
        }
        apply(event);
        return Optional.empty();
    }

    private void apply(PresenceEvent event) {
        UserPresence current = store.get(event.userId());
        UserPresence.Applied applied = (current == null ? UserPresence.empty() : current)
                .apply(event, reorderWindow.toMillis());
        if (applied.stale()) {
            metrics.presence("stale");
            return;
        }
        metrics.presence(event.status() == PresenceEvent.Status.ONLINE ? "online" : "offline");
        if (applied.state().isEmpty()) {
            store.delete(event.userId());
        } else {
            store.put(event.userId(), applied.state());
        }
    }

    private static String describeKey(String key) {
        if (key == null) {
            return "null";
        }
        return key.isEmpty() ? "empty" : "another string of " + key.length() + " chars";
    }

    private int sourcePartition() {
        // Present for every record read from a topic, which is the only way into this processor.
        return context.recordMetadata().map(RecordMetadata::partition)
                .orElseThrow(() -> new IllegalStateException("a presence event without its source partition"));
    }

    private void logFailure(RuntimeException e) {
        long suppressed = LOG_LIMIT.permit("failure|" + e.getClass().getName());
        if (suppressed >= 0) {
            RecordMetadata meta = context.recordMetadata().orElse(null);
            log.warn("presence event failed and is dead-lettered (PROCESSING_ERROR): {}-{}@{}; {} similar lines "
                    + "suppressed", meta == null ? "?" : meta.topic(), meta == null ? -1 : meta.partition(),
                    meta == null ? -1 : meta.offset(), suppressed, e);
        }
    }

    /**
     * Removes users who have no device left and whose departures have all left the reorder window. A failure is
     * logged and counted, and the next sweep tries again (an exception from a punctuator would stop the thread).
     */
    private void sweep(long now) {
        try {
            long horizon = now - reorderWindow.toMillis();
            List<KeyValue<String, UserPresence>> changes = new ArrayList<>();
            try (KeyValueIterator<String, UserPresence> it = store.all()) {
                while (it.hasNext()) {
                    KeyValue<String, UserPresence> entry = it.next();
                    if (entry.value.devices().isEmpty()) {
                        UserPresence pruned = entry.value.withoutDeparturesBefore(horizon);
                        if (!pruned.equals(entry.value)) {
                            changes.add(KeyValue.pair(entry.key, pruned.isEmpty() ? null : pruned));
                        }
                    }
                }
            }
            changes.forEach(change -> store.put(change.key, change.value));
        } catch (RuntimeException e) {
            metrics.presence("sweep_failed");
            log.warn("presence sweep failed; the next one (in {}) tries again", sweepInterval, e);
        }
    }
}
