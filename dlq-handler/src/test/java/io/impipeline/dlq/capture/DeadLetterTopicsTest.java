package io.impipeline.dlq.capture;

import io.impipeline.model.topics.ImTopicsProperties;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DeadLetterTopicsTest {

    @Test
    void everyTopicWithThePrefixAndTheDlqSuffixMatches() {
        DeadLetterTopics topics = new DeadLetterTopics(new ImTopicsProperties("staging.", "lz4", 2, null, null, null,
                null, null, null));
        assertThat(topics.isDeadLetterTopic("staging.im-upstream-topic-dlq")).isTrue();
        assertThat(topics.isDeadLetterTopic("staging.im-downstream-topic-gw.1-dlq")).isTrue();
        assertThat(topics.isDeadLetterTopic("im-upstream-topic-dlq")).as("other prefix").isFalse();
        assertThat(topics.isDeadLetterTopic("stagingXim-upstream-topic-dlq")).as("dot is literal").isFalse();
        assertThat(topics.isDeadLetterTopic("staging.im-upstream-topic-dlq-retry")).isFalse();
        assertThat(topics.isDeadLetterTopic("staging.im-upstream-topic")).isFalse();
    }

    @Test
    void withoutPrefixAnyDlqTopicMatches() {
        DeadLetterTopics topics = new DeadLetterTopics(ImTopicsProperties.defaults());
        assertThat(topics.isDeadLetterTopic("im-task-topic-dlq")).isTrue();
        assertThat(topics.isDeadLetterTopic("im-task-topic")).isFalse();
    }
}
