package io.impipeline.router.config;

import io.impipeline.platform.kafka.RecordSizeGuard;
import io.impipeline.router.settings.RouterProperties;
import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DerivedRecordLimitTest {

    private static final String PRODUCER = DerivedRecordLimit.STREAMS_CONFIG + "producer.max.request.size";
    private static final String PLAIN = DerivedRecordLimit.STREAMS_CONFIG + "max.request.size";

    private static RouterProperties property(String size) {
        return RouterProperties.defaults().withMaxDerivedRecordBytes(DataSize.parse(size));
    }

    @Test
    void theStreamsProducersMaxRequestSizeAppliesWhenItIsTheLower() {
        MockEnvironment env = new MockEnvironment().withProperty(PRODUCER, "1048576");

        RecordSizeGuard guard = DerivedRecordLimit.resolve(property("2MB"), env);

        assertThat(guard.maxRequestSize()).isEqualTo(1048576);
    }

    @Test
    void aLoweredPropertyAppliesBelowTheProducersSize() {
        MockEnvironment env = new MockEnvironment().withProperty(PRODUCER, "2097152");

        assertThat(DerivedRecordLimit.resolve(property("1MB"), env).maxRequestSize()).isEqualTo(1048576);
        assertThat(DerivedRecordLimit.resolve(property("2MB"), env).maxRequestSize()).isEqualTo(2097152);
    }

    @Test
    void withoutAProducerSettingKafkasDefaultIsTheProducersSize() {
        assertThat(DerivedRecordLimit.resolve(property("2MB"), new MockEnvironment()).maxRequestSize())
                .isEqualTo(RecordSizeGuard.KAFKA_DEFAULT_MAX_REQUEST_SIZE);
        assertThat(DerivedRecordLimit.resolve(property("2MB"), new MockEnvironment().withProperty(PLAIN, "1500000"))
                .maxRequestSize()).isEqualTo(1500000);
    }

    @Test
    void theProducerPrefixedSettingWinsLikeInKafkaStreams() {
        MockEnvironment env = new MockEnvironment().withProperty(PLAIN, "1500000").withProperty(PRODUCER, "1200000");

        assertThat(DerivedRecordLimit.resolve(property("2MB"), env).maxRequestSize()).isEqualTo(1200000);
    }

    @Test
    void nonsenseIsRefusedAtStartUpWithThePropertyName() {
        assertThatThrownBy(() -> DerivedRecordLimit.resolve(property("2MB"),
                new MockEnvironment().withProperty(PRODUCER, "lots"))).hasMessageContaining(PRODUCER);
        assertThatThrownBy(() -> DerivedRecordLimit.resolve(property("10B"), new MockEnvironment()))
                .hasMessageContaining("im.router.max-derived-record-bytes");
    }
}
