package io.impipeline.dlq.overview;

import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConsumerLagTest {

    @Test
    void pipelineGroupsMatchAPatternWithoutTheTopicPrefix() {
        ConsumerLag lag = new ConsumerLag(null, List.of(Pattern.compile("im-.*"), Pattern.compile("gateway-.*")),
                "staging.", null);
        assertThat(lag.selected("staging.im-logic-group")).isTrue();
        assertThat(lag.selected("im-task-group")).isTrue();
        assertThat(lag.selected("gateway-gw1-group")).isTrue();
        assertThat(lag.selected("staging.billing")).isFalse();
        assertThat(lag.selected("my-im-group")).as("the whole id must match").isFalse();
    }
}
