package io.impipeline.platform.dlq;

import static org.assertj.core.api.Assertions.assertThat;

import io.impipeline.model.dlq.DeadLetterHeaders;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.support.KafkaHeaders;

/** The contract spells spring-kafka's dead-letter header names out (it has no Spring): they must stay equal. */
class DeadLetterHeaderNamesTest {

    @Test
    void contractHeaderNamesAreSpringKafkasDeadLetterHeaderNames() {
        assertThat(DeadLetterHeaders.DLT_ORIGINAL_TOPIC).isEqualTo(KafkaHeaders.DLT_ORIGINAL_TOPIC);
        assertThat(DeadLetterHeaders.DLT_ORIGINAL_PARTITION).isEqualTo(KafkaHeaders.DLT_ORIGINAL_PARTITION);
        assertThat(DeadLetterHeaders.DLT_ORIGINAL_OFFSET).isEqualTo(KafkaHeaders.DLT_ORIGINAL_OFFSET);
        assertThat(DeadLetterHeaders.DLT_ORIGINAL_TIMESTAMP).isEqualTo(KafkaHeaders.DLT_ORIGINAL_TIMESTAMP);
        assertThat(DeadLetterHeaders.DLT_EXCEPTION_FQCN).isEqualTo(KafkaHeaders.DLT_EXCEPTION_FQCN);
        assertThat(DeadLetterHeaders.DLT_EXCEPTION_MESSAGE).isEqualTo(KafkaHeaders.DLT_EXCEPTION_MESSAGE);
    }
}
