package io.impipeline.router.topology;

import java.util.Set;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.dlq.DeadLetter;
import io.impipeline.model.wire.SequencedMessage;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Step 6: {@code seq} = last + 1 per conversation. Records arrive keyed by {@code conversation_id}, so one task
 * owns each conversation; the store and the outputs commit in one transaction (exactly_once_v2), so a crash never
 * loses or repeats a number.
 */
final class SequenceProcessor implements Processor<String, Addressed, String, Step<Addressed.Sequenced>> {

    static final String STORE = "router-sequence";

    private ProcessorContext<String, Step<Addressed.Sequenced>> context;
    private KeyValueStore<String, Long> lastSeq;

    static ProcessorSupplier<String, Addressed, String, Step<Addressed.Sequenced>> supplier() {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, Addressed, String, Step<Addressed.Sequenced>> get() {
                return new SequenceProcessor();
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                        Serdes.Long()));
            }
        };
    }

    @Override
    public void init(ProcessorContext<String, Step<Addressed.Sequenced>> context) {
        this.context = context;
        this.lastSeq = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, Addressed> record) {
        Addressed addressed = record.value();
        try {
            String conversation = addressed.message().conversationId();
            Long last = lastSeq.get(conversation);
            long seq = last == null ? 1 : last + 1;
            lastSeq.put(conversation, seq);
            SequencedMessage sequenced = new SequencedMessage(addressed.message(), seq, context.currentSystemTimeMs());
            context.forward(record.withValue(Step.pass(new Addressed.Sequenced(sequenced, addressed.members()))));
        } catch (RuntimeException e) {
            context.forward(record.withValue(Step.dead(DeadLetter.failed(WireJson.toBytes(addressed.message()), e))));
        }
    }
}
