package io.impipeline.worker.config;

import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.topics.TopicSpec;

/**
 * The topic names this app uses, resolved once from {@link ImTopicsProperties} (prefix applied). A bean named
 * {@code workerTopics}, so that {@code @KafkaListener} can name topics and groups with SpEL.
 */
public final class WorkerTopics {

    private final ImTopicsProperties topics;
    private final WorkerProperties worker;

    public WorkerTopics(ImTopicsProperties topics, WorkerProperties worker) {
        this.topics = topics;
        this.worker = worker;
    }

    public String task() {
        return topics.name(TopicKind.TASK);
    }

    /** Where failed tasks wait for their next attempt. */
    public String retry() {
        return task() + worker.retry().topicSuffix();
    }

    public String routed() {
        return topics.name(TopicKind.ROUTED);
    }

    public String group() {
        return topics.name(TopicKind.GROUP);
    }

    public String dlqSuffix() {
        return topics.dlqSuffix();
    }

    public String taskDlq() {
        return topics.dlqTopic(TopicKind.TASK);
    }

    /** The retry topic is laid out like the task topic (partitions, replicas, retention). */
    public TopicSpec retrySpec() {
        TopicSpec task = topics.resolve(TopicKind.TASK.key());
        return new TopicSpec(retry(), task.partitions(), task.replicas(), task.retention(), task.cleanupPolicy());
    }

    public String taskGroup() {
        return worker.taskGroup();
    }

    public String retryGroup() {
        return worker.retryGroup();
    }

    public String projectionGroup() {
        return worker.projectionGroup();
    }

    public String batchSize() {
        return String.valueOf(worker.batchSize());
    }

    public String concurrency() {
        return String.valueOf(worker.concurrency());
    }
}
