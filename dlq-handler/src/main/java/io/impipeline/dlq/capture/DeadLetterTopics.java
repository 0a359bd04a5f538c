package io.impipeline.dlq.capture;

import java.util.regex.Pattern;

import io.impipeline.model.topics.ImTopicsProperties;

/** Which topics are dead-letter topics: {@code <prefix>.*<suffix>}, e.g. {@code staging\.im-.*-dlq}. */
public final class DeadLetterTopics {

    private final Pattern pattern;

    public DeadLetterTopics(ImTopicsProperties topics) {
        this.pattern = Pattern.compile(Pattern.quote(topics.prefix()) + ".*" + Pattern.quote(topics.dlqSuffix()));
    }

    public Pattern pattern() {
        return pattern;
    }

    public boolean isDeadLetterTopic(String topic) {
        return pattern.matcher(topic).matches();
    }
}
