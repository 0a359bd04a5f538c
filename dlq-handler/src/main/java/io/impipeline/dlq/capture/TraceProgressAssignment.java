package io.impipeline.dlq.capture;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.impipeline.dlq.store.TraceRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;
import org.springframework.stereotype.Component;

/**
 * When the trace listener is given partitions, it reads each from the progress the store keeps for it (the next offset
 * to store, in the transaction that stored the rows), not from the offset committed to Kafka afterwards: after a crash
 * of PostgreSQL emptied the unlogged store, the progress starts again where the rows do (see
 * {@link TraceCaptureListener}): a partition stored before without progress is read from its start, one never stored
 * from its committed offset.
 *
 * <p>The trace store skips every record below the progress it keeps per source partition (a redelivery). When
 * {@code im-trace-topic} is deleted and made again its offsets start again, and every new record would be below that
 * progress: so when the trace listener is given a partition whose stored progress is beyond the partition's end
 * (impossible for the same log), the progress is reset, logged and counted in {@value #RESETS}. A failed check is
 * logged and leaves the progress as it is (the partition is read either way).
 */
@Component
public class TraceProgressAssignment implements ConsumerAwareRebalanceListener {

    /** Progress of a trace partition reset because the partition ended before it (topic recreated). */
    public static final String RESETS = "im.trace.progress.resets";
    private static final Logger log = LoggerFactory.getLogger(TraceProgressAssignment.class);

    private final TraceRepository repository;
    private final Counter resets;

    public TraceProgressAssignment(TraceRepository repository, MeterRegistry meters) {
        this.repository = repository;
        this.resets = Counter.builder(RESETS)
                .description("Trace store progress reset because its partition ends before it (topic recreated)")
                .register(meters);
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> ends;
        try {
            ends = consumer.endOffsets(partitions);
        } catch (RuntimeException e) {
            log.warn("trace progress not checked against the partitions' ends partitions={} error={}", partitions,
                    e.toString());
            ends = Map.of();
        }
        ends.forEach((tp, end) -> {
            try {
                if (end != null && repository.resetProgressBeyond(tp.topic(), tp.partition(), end)) {
                    resets.increment();
                    log.warn("trace progress was beyond the end of its partition (topic recreated?): reset, the "
                            + "partition is stored from its start topic={} partition={} end_offset={}", tp.topic(),
                            tp.partition(), end);
                }
            } catch (RuntimeException e) {
                log.warn("trace progress not checked topic={} partition={} error={}", tp.topic(), tp.partition(),
                        e.toString());
            }
        });
        seekToProgress(consumer, partitions);
    }

    private void seekToProgress(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Map<String, List<TopicPartition>> byTopic = partitions.stream()
                .collect(Collectors.groupingBy(TopicPartition::topic));
        byTopic.forEach((topic, list) -> {
            Map<Integer, Long> progress;
            try {
                progress = repository.progress(topic, list.stream().map(TopicPartition::partition).toList());
            } catch (RuntimeException e) {
                log.warn("trace progress not read, partitions read from their committed offsets topic={} error={}",
                        topic, e.toString());
                return;
            }
            list.forEach(tp -> {
                Long next = progress.get(tp.partition());
                if (next != null) {
                    consumer.seek(tp, next);
                }
            });
        });
    }
}
