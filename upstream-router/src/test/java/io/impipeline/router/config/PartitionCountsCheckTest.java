package io.impipeline.router.config;

import java.util.List;

import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.platform.topics.TopicMisconfiguredException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartitionCountsCheckTest {

    private final List<PartitionCountsCheck.Checked> checked =
            PartitionCountsCheck.checked(ImTopicsProperties.defaults());

    private PartitionCountsCheck.Checked of(String topic) {
        return checked.stream().filter(c -> c.spec().name().equals(topic)).findFirst().orElseThrow();
    }

    @Test
    void bothTopicsWhosePartitionCountsTheRouterComputesWithAreChecked() {
        assertThat(checked).extracting(c -> c.spec().name())
                .containsExactlyInAnyOrder("im-routed-topic", "im-upstream-topic");
    }

    @Test
    void upstreamTopicWithAnotherCountRefusesStartNamingThePropertyAndTheRealCount() {
        assertThatThrownBy(() -> PartitionCountsCheck.verify(of("im-upstream-topic"), 12))
                .isInstanceOf(TopicMisconfiguredException.class)
                .hasMessageContaining("topic im-upstream-topic has 12 partitions")
                .hasMessageContaining("im.topics.specs.upstream.partitions is 10")
                .hasMessageContaining("by-sender repartition")
                .hasMessageContaining("set im.topics.specs.upstream.partitions=12");
    }

    @Test
    void routedTopicWithAnotherCountRefusesStartNamingThePropertyAndTheRealCount() {
        assertThatThrownBy(() -> PartitionCountsCheck.verify(of("im-routed-topic"), 4))
                .isInstanceOf(TopicMisconfiguredException.class)
                .hasMessageContaining("set im.topics.specs.routed.partitions=4");
    }

    @Test
    void matchingCountsPass() {
        assertThatCode(() -> checked.forEach(c -> PartitionCountsCheck.verify(c, c.spec().partitions())))
                .doesNotThrowAnyException();
    }
}
