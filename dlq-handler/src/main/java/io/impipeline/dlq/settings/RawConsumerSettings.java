package io.impipeline.dlq.settings;

import java.util.Map;

/**
 * Consumer properties with byte-array deserializers and read_committed, shared by the capture listener and topic
 * replays (the bean is made in {@code config.KafkaConfiguration} from Spring Boot's Kafka properties).
 */
public record RawConsumerSettings(Map<String, Object> properties) {
}
