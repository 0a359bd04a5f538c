package io.impipeline.router.topology;

import io.impipeline.model.codec.WireSerde;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.router.topology.RouterOutputs.Destination;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Turns the trace event a step carries ({@link Step#trace()}) into a record for {@code im-trace-topic}: key
 * {@code message_id} (every event of a message on one partition), value the event's JSON
 * ({@code WireSerde.of(TraceEvent.class)}), the step record's timestamp, and no headers (a trace record needs none of
 * the message's, and stays small). Steps without an event forward nothing here.
 */
final class TraceRecords<T> implements Processor<String, Step<T>, String, Output> {

    private static final Serializer<TraceEvent> JSON = WireSerde.of(TraceEvent.class).serializer();

    private final Destination destination;
    private ProcessorContext<String, Output> context;

    TraceRecords(Destination destination) {
        this.destination = destination;
    }

    @Override
    public void init(ProcessorContext<String, Output> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, Step<T>> record) {
        TraceEvent event = record.value().trace();
        if (event != null) {
            Output output = Output.trace(destination, JSON.serialize(null, event));
            context.forward(new Record<>(event.key(), output, record.timestamp(), new RecordHeaders()));
        }
    }
}
