package io.impipeline.dispatcher.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.impipeline.dispatcher.presence.PresenceStore;
import io.impipeline.dispatcher.presence.UserPresence;
import io.impipeline.model.codec.Decoded;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.Rejection;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.dlq.DeadLetter;
import io.impipeline.model.wire.PresenceEvent;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Folds presence events into the presence store: {@code online} adds or refreshes a device, {@code offline} removes
 * it, an event older than what is known for its device is ignored. Forwards only dead letters. A wall-clock
 * punctuator deletes users left with no device once their departures are older than the reorder window.
 */
final class PresenceProcessor implements Processor<String, byte[], String, DeadLetter> {

    private final WireValidator validator;
    private final Duration reorderWindow;
    private final Duration sweepInterval;
    private final DispatchMetrics metrics;
    private ProcessorContext<String, DeadLetter> context;
    private KeyValueStore<String, UserPresence> store;

    PresenceProcessor(WireValidator validator, Duration reorderWindow, Duration sweepInterval, DispatchMetrics metrics) {
        this.validator = validator;
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
        Decoded<PresenceEvent> decoded = validator.decodePresence(record.value());
        if (!decoded.isValid()) {
            context.forward(record.withValue(DeadLetter.rejected(record.value(), decoded.rejection())));
            return;
        }
        PresenceEvent event = decoded.value();
        if (!event.userId().equals(record.key())) {
            context.forward(record.withValue(DeadLetter.rejected(record.value(), Rejection.of(
                    ReasonCode.INVALID_FIELD, "record key must be the user_id (co-partitioning with routed records)"))));
            return;
        }
        apply(event);
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

    /** Removes users who have no device left and whose departures have all left the reorder window. */
    private void sweep(long now) {
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
    }
}
