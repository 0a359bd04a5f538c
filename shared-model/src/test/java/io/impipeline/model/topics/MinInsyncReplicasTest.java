package io.impipeline.model.topics;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MinInsyncReplicasTest {

    private final ImTopicsProperties topics = ImTopicsProperties.defaults();

    @Test
    void aTopicWithThreeReplicasNeedsTwoInSync() {
        assertThat(topics.minInsyncReplicasFor(topics.spec(TopicKind.ROUTED))).isEqualTo(2);
    }

    @Test
    void aGatewayTopicWithTwoReplicasStaysWritableWithOneBrokerDown() {
        assertThat(topics.downstreamSpec("gw-1").replicas()).isEqualTo((short) 2);

        assertThat(topics.minInsyncReplicasFor(topics.downstreamSpec("gw-1"))).isEqualTo(1);
    }

    @Test
    void aSingleReplicaTopicNeedsOne() {
        assertThat(topics.minInsyncReplicasFor(TopicSpec.delete("t", 1, 1, Duration.ofDays(1)))).isEqualTo(1);
    }

    @Test
    void aLowerConfiguredValueIsKept() {
        ImTopicsProperties one = new ImTopicsProperties("", "lz4", 1, null, null, null, null, null, null);

        assertThat(one.minInsyncReplicasFor(one.spec(TopicKind.ROUTED))).isEqualTo(1);
    }
}
