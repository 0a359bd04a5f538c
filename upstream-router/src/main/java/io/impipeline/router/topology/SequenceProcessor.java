package io.impipeline.router.topology;

import io.impipeline.platform.kafka.RecordSizeGuard;
import java.util.Set;

import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.Rejection;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.dlq.DeadLetter;
import io.impipeline.model.trace.RoutedHeader;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.router.metrics.RouterMetrics;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Steps 6 and 7 in one: {@code seq} = last + 1 per conversation, and the message's outputs ({@link RouteBuilder}).
 * The outputs are built with the next seq and every one is measured ({@link RecordSizeGuard}) before the seq is
 * stored and before anything is forwarded: a message whose outputs cannot be built ({@code PROCESSING_ERROR}) or
 * would not fit ({@code TOO_LARGE}) is dead-lettered and the conversation's next message takes the same seq, so
 * {@code seq} has no gap. Records arrive keyed by {@code conversation_id}, so one task owns each conversation; the
 * store, its changelog and the outputs commit in one transaction (exactly_once_v2), so a crash never loses or repeats
 * a number. The {@code routed} trace event ({@link RouteBuilder#trace}) is forwarded after the outputs, in the same
 * transaction; a single chat's and a small group's ride on one of its routed records instead ({@link RoutedHeader},
 * {@link RouteBuilder#carrier}: the recipient's copy, or the group's smallest batch), and the dispatcher puts it into
 * the event it writes for that record. A carrier that would not fit with the header leaves the event a record.
 *
 * <p>Only building is guarded: storing the seq and forwarding are not record-specific, and an exception there (a
 * failing store, a producer error of an earlier record) fails the task, which aborts the transaction with the seq
 * and whatever was forwarded.
 */
final class SequenceProcessor implements Processor<String, Addressed, String, Step<Output>> {

    static final String STORE = "router-sequence";

    private final RouteBuilder routes;
    private final RecordSizeGuard guard;
    private final RouterMetrics metrics;
    private final RouterTraces traces;
    private ProcessorContext<String, Step<Output>> context;
    private KeyValueStore<String, Long> lastSeq;

    private SequenceProcessor(RouteBuilder routes, RecordSizeGuard guard, RouterMetrics metrics,
                              RouterTraces traces) {
        this.routes = routes;
        this.guard = guard;
        this.metrics = metrics;
        this.traces = traces;
    }

    static ProcessorSupplier<String, Addressed, String, Step<Output>> supplier(RouteBuilder routes,
                                                                             RecordSizeGuard guard,
                                                                             RouterMetrics metrics,
                                                                             RouterTraces traces) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, Addressed, String, Step<Output>> get() {
                return new SequenceProcessor(routes, guard, metrics, traces);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                        Serdes.Long()));
            }
        };
    }

    @Override
    public void init(ProcessorContext<String, Step<Output>> context) {
        this.context = context;
        this.lastSeq = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, Addressed> record) {
        // Removed whether trace is on or not: no record the router writes carries it.
        AcceptedHeader accepted = AcceptedHeader.take(record.headers());
        // Only this step puts it on a record; one from outside is never passed on.
        RoutedHeader.remove(record.headers());
        Addressed addressed = record.value();
        String conversation = addressed.message().conversationId();
        Long last = lastSeq.get(conversation);
        long seq = last == null ? 1 : last + 1;
        RouteBuilder.Route route;
        TraceEvent traced;
        Output carrier;
        Headers carried;
        try {
            SequencedMessage sequenced = new SequencedMessage(addressed.message(), seq, context.currentSystemTimeMs());
            route = routes.build(sequenced, addressed.members());
            traced = routes.trace(traces, route, sequenced, addressed.members(), accepted);
            carrier = traced == null ? null : routes.carrier(route);
            carried = carrier == null ? null : carrying(record.headers(), traced);
            if (carrier != null && !(RoutedHeader.carriable(carried) && fitsWith(route, carrier, carried))) {
                // The header must not be what takes a message over the limit, nor be too large for the dispatcher
                // to read (a group over many partitions): the event is then a record of its own.
                carrier = null;
                carried = null;
            }
            Rejection tooLarge = measure(route, record, carrier, carried);
            if (tooLarge != null) {
                metrics.invalid(ReasonCode.TOO_LARGE);
                context.forward(record.withValue(Step.dead(DeadLetter.rejected(
                        WireJson.toBytes(addressed.message()), tooLarge))));
                return;
            }
        } catch (RuntimeException e) {
            context.forward(record.withValue(StepFailure.deadLetter("route", WireJson.toBytes(addressed.message()), e,
                    metrics, context)));
            return;
        }
        lastSeq.put(conversation, seq);
        for (KeyValue<String, Output> output : route.records()) {
            Record<String, Step<Output>> out = record.withKey(output.key).withValue(Step.pass(output.value));
            context.forward(output.value == carrier ? out.withHeaders(carried) : out);
        }
        if (traced != null && carrier == null) {
            context.forward(record.withValue(Step.traced(traced)));
        }
        routes.count(route);
    }

    /** The record's headers and the {@code routed} event in {@link RoutedHeader}: the carrier's own copy. */
    private static Headers carrying(Headers headers, TraceEvent traced) {
        Headers copy = new RecordHeaders(headers.toArray());
        RoutedHeader.put(copy, traced);
        return copy;
    }

    /** Whether the carrier's record still fits with the {@code routed} header on it. */
    private boolean fitsWith(RouteBuilder.Route route, Output carrier, Headers carried) {
        for (KeyValue<String, Output> output : route.records()) {
            if (output.value == carrier) {
                return guard.fits(RecordSizeGuard.sizeOf(output.key, carrier.value(), carried));
            }
        }
        return false;
    }

    /** Null when every output fits (the carrier with its header); otherwise the first that does not, with its size. */
    private Rejection measure(RouteBuilder.Route route, Record<String, Addressed> record,
                              Output carrier, Headers carried) {
        for (KeyValue<String, Output> output : route.records()) {
            int size = RecordSizeGuard.sizeOf(output.key, output.value.value(),
                    output.value == carrier ? carried : record.headers());
            if (!guard.fits(size)) {
                return Rejection.of(ReasonCode.TOO_LARGE, "message " + addressed(record) + ": its record for "
                        + routes.topicOf(output.value.destination()) + " would be " + size
                        + " bytes, over the router's record limit of " + guard.limit() + " bytes");
            }
        }
        return null;
    }

    private static String addressed(Record<String, Addressed> record) {
        return record.value().message().messageId();
    }
}
