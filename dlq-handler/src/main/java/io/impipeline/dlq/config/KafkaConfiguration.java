package io.impipeline.dlq.config;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.impipeline.dlq.capture.DeadLetterTopics;
import io.impipeline.dlq.capture.TraceProgressAssignment;
import io.impipeline.dlq.settings.DlqProperties;
import io.impipeline.dlq.settings.RawConsumerSettings;
import io.impipeline.dlq.settings.TraceStoreProperties;
import io.impipeline.model.topics.ImTopicsProperties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;

/** Byte-level Kafka clients: dead letters are stored and replayed exactly as they are, never deserialized. */
@Configuration(proxyBeanMethods = false)
public class KafkaConfiguration {

    private static final double BACKOFF_MULTIPLIER = 2.0;

    @Bean
    DeadLetterTopics deadLetterTopics(ImTopicsProperties topics) {
        return new DeadLetterTopics(topics);
    }

    /** Consumer settings shared by the capture listener and topic replays. */
    @Bean
    RawConsumerSettings rawConsumerSettings(KafkaProperties kafka) {
        Map<String, Object> props = new HashMap<>(kafka.buildConsumerProperties());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // The Streams apps write dead letters in exactly-once transactions; an aborted one was never a dead letter.
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new RawConsumerSettings(Map.copyOf(props));
    }

    @Bean
    ConcurrentKafkaListenerContainerFactory<byte[], byte[]> deadLetterListenerFactory(RawConsumerSettings settings,
                                                                                    DlqProperties dlq) {
        DlqProperties.Capture capture = dlq.capture();
        Map<String, Object> props = new HashMap<>(settings.properties());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, capture.groupId());
        // A topic first seen by the pattern has no committed offset: read it from its first record.
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // How soon a new *-dlq topic matches the subscription pattern.
        props.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, (int) capture.metadataMaxAge().toMillis());
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, capture.maxPollRecords());

        ConcurrentKafkaListenerContainerFactory<byte[], byte[]> factory = new ConcurrentKafkaListenerContainerFactory<>();
        factory.setConsumerFactory(new DefaultKafkaConsumerFactory<>(props));
        factory.setConcurrency(capture.concurrency());
        factory.setBatchListener(true);
        factory.getContainerProperties().setAckMode(ContainerProperties.AckMode.BATCH);
        factory.setCommonErrorHandler(captureErrorHandler(capture));
        return factory;
    }

    /**
     * The trace listener's consumers: its own group, {@code read_committed} (from the raw settings), a new group reads
     * the topic from its start (a redelivered event is stored once). Under load the broker holds each fetch until
     * {@code fetch-max-wait} has passed, so the events of one message written by two apps a commit interval apart
     * mostly arrive in one poll and make one row; at rest a committed stage is visible within about that wait.
     */
    @Bean
    ConcurrentKafkaListenerContainerFactory<byte[], byte[]> traceListenerFactory(RawConsumerSettings settings,
                                                                               TraceStoreProperties trace,
                                                                               TraceProgressAssignment progressAssignment) {
        Map<String, Object> props = new HashMap<>(settings.properties());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, trace.groupId());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, trace.maxPollRecords());
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, (int) trace.fetchMaxWait().toMillis());
        props.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, trace.fetchMinBytes());
        // One partition alone may fill the minimum (the default, 1 MiB, would make a fetch of one partition wait).
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                Math.max(trace.fetchMinBytes(), ConsumerConfig.DEFAULT_MAX_PARTITION_FETCH_BYTES));

        ConcurrentKafkaListenerContainerFactory<byte[], byte[]> factory = new ConcurrentKafkaListenerContainerFactory<>();
        factory.setConsumerFactory(new DefaultKafkaConsumerFactory<>(props));
        factory.setConcurrency(trace.concurrency());
        factory.setBatchListener(true);
        factory.getContainerProperties().setAckMode(ContainerProperties.AckMode.BATCH);
        factory.getContainerProperties().setPollTimeout(trace.pollTimeout().toMillis());
        factory.getContainerProperties().setConsumerRebalanceListener(progressAssignment);
        factory.setCommonErrorHandler(outageErrorHandler(trace.retryInitial(), trace.retryMax()));
        return factory;
    }

    /**
     * The listener throws only when PostgreSQL is unavailable (it stores what PostgreSQL refuses record by record,
     * see {@code DeadLetterCaptureListener}): retry the batch (back-off doubling up to the maximum) until it is
     * stored, rather than lose a dead letter.
     */
    private static DefaultErrorHandler captureErrorHandler(DlqProperties.Capture capture) {
        return outageErrorHandler(capture.retryInitial(), capture.retryMax());
    }

    private static DefaultErrorHandler outageErrorHandler(Duration initial, Duration max) {
        ExponentialBackOff backOff = new ExponentialBackOff(initial.toMillis(), BACKOFF_MULTIPLIER);
        backOff.setMaxInterval(max.toMillis());
        backOff.setMaxElapsedTime(Long.MAX_VALUE);
        DefaultErrorHandler handler = new DefaultErrorHandler(backOff);
        handler.setAckAfterHandle(false);
        return handler;
    }

    /** Replays send bytes as stored; acks=all and idempotence come from the shared defaults. */
    @Bean
    KafkaTemplate<byte[], byte[]> replayTemplate(KafkaProperties kafka, DlqProperties dlq) {
        Map<String, Object> props = new HashMap<>(kafka.buildProducerProperties());
        // A replay to a topic that no longer exists must fail within the request, not block for the default 60 s.
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) dlq.replay().sendTimeout().toMillis());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        KafkaTemplate<byte[], byte[]> template = new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(props));
        // No observation: the replayed record keeps the trace context headers it came with, unchanged.
        template.setObservationEnabled(false);
        return template;
    }
}
