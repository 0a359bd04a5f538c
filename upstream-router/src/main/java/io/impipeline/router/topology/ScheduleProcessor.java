package io.impipeline.router.topology;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.codec.WireSerde;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.router.metrics.RouterMetrics;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Step 4: a message whose {@code deliver_at} is in the future (wall clock) is held in a persistent, changelogged
 * store keyed by due time; a wall-clock punctuator releases due messages in due order every tick. Holding happens
 * before sequencing, so {@code seq} follows delivery order. Trace: {@code held} (with {@code deliver_at}) when it is
 * stored, {@code released} when the punctuator lets it go on, both in the transaction that stores or deletes it.
 */
final class ScheduleProcessor implements Processor<String, UpstreamMessage, String, Step<UpstreamMessage>> {

    static final String STORE = "router-scheduled";

    private final Duration tick;
    private final int releaseMax;
    private final RouterMetrics metrics;
    private final RouterTraces traces;
    private ProcessorContext<String, Step<UpstreamMessage>> context;
    private KeyValueStore<String, ScheduledEntry> held;

    private ScheduleProcessor(Duration tick, int releaseMax, RouterMetrics metrics, RouterTraces traces) {
        this.tick = tick;
        this.releaseMax = releaseMax;
        this.metrics = metrics;
        this.traces = traces;
    }

    static ProcessorSupplier<String, UpstreamMessage, String, Step<UpstreamMessage>> supplier(
            Duration tick, int releaseMax, RouterMetrics metrics, RouterTraces traces) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, UpstreamMessage, String, Step<UpstreamMessage>> get() {
                return new ScheduleProcessor(tick, releaseMax, metrics, traces);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                        WireSerde.of(ScheduledEntry.class)));
            }
        };
    }

    @Override
    public void init(ProcessorContext<String, Step<UpstreamMessage>> context) {
        this.context = context;
        this.held = context.getStateStore(STORE);
        context.schedule(tick, PunctuationType.WALL_CLOCK_TIME, this::releaseDue);
    }

    @Override
    public void process(Record<String, UpstreamMessage> record) {
        UpstreamMessage message = record.value();
        try {
            long now = context.currentSystemTimeMs();
            if (!message.isScheduledAfter(now)) {
                context.forward(record.withValue(Step.pass(message)));
                return;
            }
            Header trace = record.headers().lastHeader(ImHeaders.TRACEPARENT);
            held.put(StoreKeys.scheduled(message.deliverAt(), message.fromUserId(), message.messageId()),
                    new ScheduledEntry(message, trace == null ? null : new String(trace.value(),
                            StandardCharsets.UTF_8), now));
            metrics.count(RouterMetrics.Outcome.SCHEDULED);
            if (traces.on()) {
                context.forward(record.withValue(Step.traced(traces.held(message, now,
                        AcceptedHeader.take(record.headers())))));
            }
        } catch (RuntimeException e) {
            context.forward(record.withValue(StepFailure.deadLetter("schedule", WireJson.toBytes(message), e,
                    metrics, context)));
        }
    }

    /** Keys sort by due time, so the scan stops at the first entry not yet due. */
    private void releaseDue(long now) {
        int released = 0;
        try (KeyValueIterator<String, ScheduledEntry> it = held.all()) {
            while (it.hasNext() && released < releaseMax) {
                KeyValue<String, ScheduledEntry> entry = it.next();
                if (StoreKeys.dueOf(entry.key) > now) {
                    break;
                }
                release(entry.value, now);
                held.delete(entry.key);
                released++;
            }
        }
    }

    private void release(ScheduledEntry entry, long now) {
        RecordHeaders headers = new RecordHeaders();
        if (entry.traceparent() != null) {
            headers.add(ImHeaders.TRACEPARENT, entry.traceparent().getBytes(StandardCharsets.UTF_8));
        }
        UpstreamMessage message = entry.message();
        context.forward(new Record<>(message.fromUserId(), Step.pass(message,
                traces.released(message, now, entry.heldAt())), now, headers));
        metrics.count(RouterMetrics.Outcome.RELEASED);
    }
}
