package io.impipeline.platform.dlq;

import io.impipeline.model.dlq.RejectedRecordException;
import java.util.function.Function;

import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.platform.kafka.RecordSizeGuard;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.ListenerExecutionFailedException;

import java.nio.charset.StandardCharsets;

/**
 * Dead-lettering for Spring Kafka listeners: spring-kafka's {@link DeadLetterPublishingRecoverer}, sending to
 * {@code <topic><suffix>} on the record's key's partition, with {@code im_dlt-stage} and {@code im_dlt-reason}, and
 * cut to what the template's producer may write ({@link DeadLetterFit}): a dead letter the producer refused would
 * fail the recovery, and the listener would retry the same poll for ever.
 */
public final class DeadLetterPublishers {

    private DeadLetterPublishers() {
    }

    /**
     * @param classifier the reason for an exception that is not a {@link RejectedRecordException}
     */
    public static DeadLetterPublishingRecoverer recoverer(KafkaOperations<?, ?> template, String stage, String suffix,
                                                          Function<Throwable, ReasonCode> classifier,
                                                          MeterRegistry meters) {
        DeadLetterFit fit = new DeadLetterFit(RecordSizeGuard.forMaxRequestSize(maxRequestSize(template)), stage,
                meters);
        DeadLetterPublishingRecoverer recoverer = new FittingRecoverer(template,
                (record, ex) -> new TopicPartition(baseTopic(record.topic()) + suffix, -1), fit);
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

    /** The {@code max.request.size} of the template's producer (Kafka's default when it does not say). */
    static int maxRequestSize(KafkaOperations<?, ?> template) {
        Object configured;
        try {
            configured = template.getProducerFactory().getConfigurationProperties()
                    .get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        } catch (UnsupportedOperationException e) {
            configured = null;
        }
        return configured == null ? RecordSizeGuard.KAFKA_DEFAULT_MAX_REQUEST_SIZE
                : Integer.parseInt(String.valueOf(configured).trim());
    }

    /** Spring-kafka's recoverer with the dead letter cut to fit before it is sent. */
    private static final class FittingRecoverer extends DeadLetterPublishingRecoverer {

        private final DeadLetterFit fit;

        FittingRecoverer(KafkaOperations<?, ?> template,
                         java.util.function.BiFunction<ConsumerRecord<?, ?>, Exception, TopicPartition> destination,
                         DeadLetterFit fit) {
            super(template, destination);
            this.fit = fit;
        }

        @Override
        protected ProducerRecord<Object, Object> createProducerRecord(ConsumerRecord<?, ?> record,
                                                                      TopicPartition topicPartition, Headers headers,
                                                                      byte[] key, byte[] value) {
            ProducerRecord<Object, Object> out = super.createProducerRecord(record, topicPartition, headers, key,
                    value);
            if (!isBytes(out.key()) || !isBytes(out.value())) {
                return out;
            }
            byte[] keyBytes = bytes(out.key());
            byte[] valueBytes = bytes(out.value());
            if (fit.fits(keyBytes, valueBytes, out.headers())) {
                return out;
            }
            DeadLetterFit.Letter letter = fit.cut(out.topic(), keyBytes, valueBytes, out.headers());
            return new ProducerRecord<>(out.topic(), out.partition(), out.timestamp(),
                    same(out.key(), letter.key()), same(out.value(), letter.value()), letter.headers());
        }

        /** Keys and values this recoverer can measure: none, bytes or text (the serializers the apps use). */
        private static boolean isBytes(Object o) {
            return o == null || o instanceof byte[] || o instanceof String;
        }

        private static byte[] bytes(Object o) {
            return o == null ? null : o instanceof byte[] b ? b : ((String) o).getBytes(StandardCharsets.UTF_8);
        }

        /** The cut bytes in the type of the original (a String key stays a String). */
        private static Object same(Object original, byte[] cut) {
            return original instanceof String && cut != null ? new String(cut, StandardCharsets.UTF_8) : cut;
        }
    }

    /** Retry topics of spring-kafka ({@code -retry-N}) dead-letter to the topic they retry. */
    static String baseTopic(String topic) {
        return topic.replaceFirst("-retry(-\\d+)?$", "");
    }
}
