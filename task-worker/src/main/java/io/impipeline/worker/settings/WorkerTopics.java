package io.impipeline.worker.settings;

import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.topics.TopicSpec;

/**
 * The topic names this app uses, resolved once from {@link ImTopicsProperties} (prefix applied). A bean named
 * {@code workerTopics}, so that {@code @KafkaListener} can name topics and groups with SpEL.
 */
public final class WorkerTopics {

    /** Room left under max.message.bytes for the record and batch framing. */
    private static final int RECORD_OVERHEAD = 64 * 1024;

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

    /**
     * The partition count group batches are computed for: the configured spec of {@code im-routed-topic}
     * ({@code im.topics.specs.routed.partitions}); the topic must have exactly this many (checked at start).
     */
    public int routedPartitions() {
        return topics.spec(TopicKind.ROUTED).partitions();
    }

    /** Largest routed record a fan-out writes: {@code im.worker.fanout.max-record-bytes}, or derived from the topics'. */
    public int maxFanoutRecordBytes() {
        int configured = worker.fanout().maxRecordBytes();
        return configured > 0 ? configured : topics.maxMessageBytes() - RECORD_OVERHEAD;
    }

    public TopicSpec routedSpec() {
        return topics.spec(TopicKind.ROUTED);
    }

    public String group() {
        return topics.name(TopicKind.GROUP);
    }

    /** Where the worker writes what it did with each message ({@code im-trace-topic}, issue 15). */
    public String trace() {
        return topics.name(TopicKind.TRACE);
    }

    public String dlqSuffix() {
        return topics.dlqSuffix();
    }

    public String taskDlq() {
        return topics.dlqTopic(TopicKind.TASK);
    }

    /** Group records the projection cannot apply. */
    public String groupDlq() {
        return topics.dlqTopic(TopicKind.GROUP);
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
