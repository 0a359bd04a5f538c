package io.impipeline.platform.dlq;

import io.impipeline.model.dlq.RejectedRecordException;
import java.util.function.Function;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.ReasonCode;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.ListenerExecutionFailedException;

import java.nio.charset.StandardCharsets;

/**
 * Dead-lettering for Spring Kafka listeners: spring-kafka's {@link DeadLetterPublishingRecoverer}, sending to
 * {@code <topic><suffix>} on the record's key's partition, with {@code im_dlt-stage} and {@code im_dlt-reason}.
 */
public final class DeadLetterPublishers {

    private DeadLetterPublishers() {
    }

    /**
     * @param classifier the reason for an exception that is not a {@link RejectedRecordException}
     */
    public static DeadLetterPublishingRecoverer recoverer(KafkaOperations<?, ?> template, String stage, String suffix,
                                                          Function<Throwable, ReasonCode> classifier) {
        DeadLetterPublishingRecoverer recoverer = new DeadLetterPublishingRecoverer(template,
                (record, ex) -> new TopicPartition(baseTopic(record.topic()) + suffix, -1));
        recoverer.setHeadersFunction((record, ex) -> {
            ReasonCode reason = reasonOf(ex, classifier);
            RecordHeaders headers = new RecordHeaders();
            headers.add(new RecordHeader(ImHeaders.DLT_STAGE, stage.getBytes(StandardCharsets.UTF_8)));
            headers.add(new RecordHeader(ImHeaders.DLT_REASON, reason.name().getBytes(StandardCharsets.UTF_8)));
            return headers;
        });
        return recoverer;
    }

    public static ReasonCode reasonOf(Throwable ex, Function<Throwable, ReasonCode> classifier) {
        Throwable t = ex;
        while (t != null) {
            if (t instanceof RejectedRecordException r) {
                return r.rejection().reason();
            }
            t = t.getCause();
        }
        Throwable cause = ex instanceof ListenerExecutionFailedException && ex.getCause() != null ? ex.getCause() : ex;
        return classifier.apply(cause);
    }

    /** Retry topics of spring-kafka ({@code -retry-N}) dead-letter to the topic they retry. */
    static String baseTopic(String topic) {
        return topic.replaceFirst("-retry(-\\d+)?$", "");
    }
}
