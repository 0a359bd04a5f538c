package io.impipeline.router.config;

import io.impipeline.platform.kafka.RecordSizeGuard;
import io.impipeline.router.settings.RouterProperties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.PropertyResolver;

/**
 * The router's record limit: the lower of {@code im.router.max-derived-record-bytes} and the {@code max.request.size}
 * its Kafka Streams producer really has ({@code spring.cloud.stream.kafka.streams.binder.configuration.
 * producer.max.request.size}, else {@code ...configuration.max.request.size}, else Kafka's default of 1 MiB), so that
 * the guard never lets through a record the producer would refuse. Lower the property to keep derived records
 * smaller than the producer allows; raising it above the producer's size has no effect (and is logged).
 */
final class DerivedRecordLimit {

    static final String STREAMS_CONFIG = "spring.cloud.stream.kafka.streams.binder.configuration.";
    static final String PROPERTY = "im.router.max-derived-record-bytes";

    private static final Logger log = LoggerFactory.getLogger(DerivedRecordLimit.class);

    private DerivedRecordLimit() {
    }

    static RecordSizeGuard resolve(RouterProperties properties, PropertyResolver environment) {
        String key = STREAMS_CONFIG + "producer." + ProducerConfig.MAX_REQUEST_SIZE_CONFIG;
        String configured = environment.getProperty(key);
        if (configured == null) {
            key = STREAMS_CONFIG + ProducerConfig.MAX_REQUEST_SIZE_CONFIG;
            configured = environment.getProperty(key);
        }
        long producer = configured == null ? RecordSizeGuard.KAFKA_DEFAULT_MAX_REQUEST_SIZE
                : parse(key, configured);
        long wanted = properties.maxDerivedRecordBytes().toBytes();
        if (wanted < 1024) {
            throw new IllegalArgumentException(PROPERTY + " must be at least 1KB, not " + wanted + " bytes");
        }
        if (wanted > producer) {
            log.warn("{}={} is above the Kafka Streams producer's max.request.size={} ({}): the producer's applies",
                    PROPERTY, wanted, producer, configured == null ? "Kafka's default" : key);
        }
        RecordSizeGuard guard = RecordSizeGuard.forMaxRequestSize((int) Math.min(Math.min(wanted, producer),
                Integer.MAX_VALUE));
        log.info("records the router writes are limited to {}; a message whose records would be larger is"
                + " dead-lettered TOO_LARGE", guard);
        return guard;
    }

    private static long parse(String key, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number of bytes, not '" + value + "'", e);
        }
    }
}
