package io.impipeline.router.topology;

import java.time.Duration;
import java.util.Set;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.WireJson;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 2: drops a repeat of (from_user_id, message_id) seen within the window (trace: {@code duplicate}); a new
 * message goes on (trace: {@code accepted}, with its upstream partition and offset). The store is a window store whose
 * retention is the window, so old entries expire by segment without a sweep. Value: when it was first seen
 * (wall clock). Records arrive keyed by {@code from_user_id}, so the store's partition is the sender's.
 */
final class DedupProcessor implements Processor<String, UpstreamMessage, String, Step<UpstreamMessage>> {

    static final String STORE = "router-dedup";
    private static final Logger log = LoggerFactory.getLogger(DedupProcessor.class);

    private final long windowMs;
    private final RouterMetrics metrics;
    private final RouterTraces traces;
    private final String upstreamTopic;
    private ProcessorContext<String, Step<UpstreamMessage>> context;
    private WindowStore<String, Long> seen;

    private DedupProcessor(Duration window, RouterMetrics metrics, RouterTraces traces, String upstreamTopic) {
        this.windowMs = window.toMillis();
        this.metrics = metrics;
        this.traces = traces;
        this.upstreamTopic = upstreamTopic;
    }

    /**
     * @param traces        trace events: {@code accepted} with the upstream coordinates ({@link UpstreamPosition}),
     *                      {@code duplicate}
     * @param upstreamTopic the name of {@code im-upstream-topic}: the record context of a message read straight from
     *                      it gives its coordinates
     */
    static ProcessorSupplier<String, UpstreamMessage, String, Step<UpstreamMessage>> supplier(
            Duration window, RouterMetrics metrics, RouterTraces traces, String upstreamTopic) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, UpstreamMessage, String, Step<UpstreamMessage>> get() {
                return new DedupProcessor(window, metrics, traces, upstreamTopic);
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
            // Taken off whenever the topology put it there, written or paused: it never goes further.
            UpstreamPosition.Coordinates at = traces.built()
                    ? UpstreamPosition.take(record.headers(), context, upstreamTopic) : null;
            long now = context.currentSystemTimeMs();
            if (seenWithin(key, time)) {
                metrics.count(RouterMetrics.Outcome.DUPLICATE);
                boolean replayed = logDuplicate(record, message);
                if (traces.on()) {
                    context.forward(record.withValue(Step.traced(traces.duplicate(message, now, replayed))));
                }
                return;
            }
            seen.put(key, now, time);
            if (traces.on()) {
                AcceptedHeader.of(now, at).put(record.headers());
            }
            context.forward(record.withValue(Step.pass(message)));
        } catch (RuntimeException e) {
            context.forward(record.withValue(StepFailure.deadLetter("dedup", WireJson.toBytes(message), e, metrics,
                    context)));
        }
    }

    /**
     * A repeat is normal (gateway retries): DEBUG. A repeat that the dlq-handler replayed is not: the dead letter
     * was decided after this step remembered the message (see {@link Admission} for what is decided before), so
     * the replay is dropped here while the dlq-handler counts it replayed. Say so at WARN, ids only.
     */
    private boolean logDuplicate(Record<String, UpstreamMessage> record, UpstreamMessage message) {
        if (record.headers().lastHeader(ImHeaders.REPLAY_COUNT) != null) {
            log.warn("replayed dead letter dropped as a duplicate: message {} from {} was already accepted within"
                    + " the dedup window ({}); it is not routed again", message.messageId(), message.fromUserId(),
                    StepFailure.where(context));
            return true;
        }
        log.debug("duplicate dropped: message {} from {}", message.messageId(), message.fromUserId());
        return false;
    }

    private boolean seenWithin(String key, long time) {
        // Either side of the record's time: a retry may carry an older producer timestamp than the first copy.
        try (WindowStoreIterator<Long> hits = seen.fetch(key, Math.max(0, time - windowMs), time + windowMs)) {
            return hits.hasNext();
        }
    }
}
