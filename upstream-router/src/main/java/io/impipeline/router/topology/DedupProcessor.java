package io.impipeline.router.topology;

import java.time.Duration;
import java.util.Set;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.dlq.DeadLetter;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.router.metrics.RouterMetrics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Step 2: drops a repeat of (from_user_id, message_id) seen within the window. The store is a window store whose
 * retention is the window, so old entries expire by segment without a sweep. Value: when it was first seen
 * (wall clock). Records arrive keyed by {@code from_user_id}, so the store's partition is the sender's.
 */
final class DedupProcessor implements Processor<String, UpstreamMessage, String, Step<UpstreamMessage>> {

    static final String STORE = "router-dedup";

    private final long windowMs;
    private final RouterMetrics metrics;
    private ProcessorContext<String, Step<UpstreamMessage>> context;
    private WindowStore<String, Long> seen;

    private DedupProcessor(Duration window, RouterMetrics metrics) {
        this.windowMs = window.toMillis();
        this.metrics = metrics;
    }

    static ProcessorSupplier<String, UpstreamMessage, String, Step<UpstreamMessage>> supplier(Duration window,
                                                                                           RouterMetrics metrics) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, UpstreamMessage, String, Step<UpstreamMessage>> get() {
                return new DedupProcessor(window, metrics);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(Stores.windowStoreBuilder(
                        Stores.persistentWindowStore(STORE, window, window, false), Serdes.String(), Serdes.Long()));
            }
        };
    }

    @Override
    public void init(ProcessorContext<String, Step<UpstreamMessage>> context) {
        this.context = context;
        this.seen = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, UpstreamMessage> record) {
        UpstreamMessage message = record.value();
        try {
            String key = StoreKeys.dedup(message.fromUserId(), message.messageId());
            long time = record.timestamp();
            if (seenWithin(key, time)) {
                metrics.count(RouterMetrics.Outcome.DUPLICATE);
                return;
            }
            seen.put(key, context.currentSystemTimeMs(), time);
            context.forward(record.withValue(Step.pass(message)));
        } catch (RuntimeException e) {
            metrics.count(RouterMetrics.Outcome.FAILED);
            context.forward(record.withValue(Step.dead(DeadLetter.failed(WireJson.toBytes(message), e))));
        }
    }

    private boolean seenWithin(String key, long time) {
        // Either side of the record's time: a retry may carry an older producer timestamp than the first copy.
        try (WindowStoreIterator<Long> hits = seen.fetch(key, Math.max(0, time - windowMs), time + windowMs)) {
            return hits.hasNext();
        }
    }
}
