package io.impipeline.platform.topics;

import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.topics.TopicSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.springframework.kafka.config.TopicBuilder;

/** Turns {@link TopicSpec}s into {@link NewTopic}s with the contract's topic configs. */
public final class TopicProvisioner {

    private final ImTopicsProperties topics;

    public TopicProvisioner(ImTopicsProperties topics) {
        this.topics = topics;
    }

    /** The topics this app provisions, from {@code im.topics.provision}. */
    public List<NewTopic> provisioned() {
        return topics.provision().stream().map(topics::resolve).map(this::newTopic).toList();
    }

    public NewTopic newTopic(TopicSpec spec) {
        return TopicBuilder.name(spec.name())
                .partitions(spec.partitions())
                .replicas(spec.replicas())
                .configs(configs(spec))
                .build();
    }

    public Map<String, String> configs(TopicSpec spec) {
        Map<String, String> configs = new HashMap<>();
        configs.put(TopicConfig.COMPRESSION_TYPE_CONFIG, topics.compression());
        configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, spec.cleanupPolicy());
        configs.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(topics.minInsyncReplicasFor(spec)));
        configs.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(topics.maxMessageBytes()));
        if (spec.retention() != null) {
            configs.put(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(spec.retention().toMillis()));
        }
        return configs;
    }
}
