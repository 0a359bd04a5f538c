package io.impipeline.dlq.replay;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import io.impipeline.dlq.settings.DlqProperties;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.platform.web.ApiException;
import org.springframework.stereotype.Component;

/**
 * The topics a replay may write into: by default the input topics of the pipeline's apps (upstream, routed, task,
 * presence, gateway, group), named as {@code im.topics} names them, plus any configured pattern. Never a changelog,
 * repartition, downstream (gateway delivery) or dead-letter topic unless an operator allows it explicitly.
 * A bad configuration (unknown kind, broken pattern) stops the start-up.
 */
@Component
public class ReplayTargets {

    /** The 400 answered for a target outside the list. */
    public static final String TOPIC_NOT_ALLOWED = "TOPIC_NOT_ALLOWED";

    private final Set<String> names = new LinkedHashSet<>();
    private final List<Pattern> patterns = new ArrayList<>();

    public ReplayTargets(DlqProperties dlq, ImTopicsProperties topics) {
        for (String kind : dlq.replay().allowedTopics()) {
            names.add(topics.name(ImTopicsProperties.kindOf(kind.trim())));
        }
        for (String p : dlq.replay().allowedTopicPatterns()) {
            try {
                patterns.add(Pattern.compile(p));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("im.dlq.replay.allowed-topic-patterns: '" + p
                        + "' is not a regular expression: " + e.getDescription(), e);
            }
        }
    }

    public boolean allowed(String topic) {
        return topic != null && (names.contains(topic) || patterns.stream().anyMatch(p -> p.matcher(topic).matches()));
    }

    /** 400 {@value #TOPIC_NOT_ALLOWED} unless a replay may write into {@code topic}; {@code what} names it. */
    public void require(String what, String topic) {
        if (!allowed(topic)) {
            throw ApiException.badRequest(TOPIC_NOT_ALLOWED, what + " " + topic + " is not a replay target; allowed: "
                    + describe() + " (im.dlq.replay.allowed-topics, im.dlq.replay.allowed-topic-patterns)");
        }
    }

    public String describe() {
        List<String> all = new ArrayList<>(names);
        patterns.forEach(p -> all.add("/" + p.pattern() + "/"));
        return all.toString();
    }
}
