package io.impipeline.model.topics;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

/**
 * Topic names and specs ({@code im.topics.*}); defaults follow the GoChat message-queue spec.
 *
 * @param prefix            put before every topic name (e.g. {@code prod.}); empty by default
 * @param compression       {@code compression.type} of every topic
 * @param minInsyncReplicas {@code min.insync.replicas}, capped at each topic's replica count minus one (at least 1)
 * @param maxMessageBytes   {@code max.message.bytes} of every topic: the largest record batch the broker takes.
 *                          Twice the largest record the validator accepts, so that what the pipeline derives from
 *                          an accepted record (a routed copy, a task: the record plus a few fields and ids) always
 *                          fits; the producers' {@code max.request.size} matches it
 * @param replicationFactor when set, overrides every spec's replica count (1 for a single-broker dev cluster)
 * @param specs             per topic kind (upstream, routed, presence, gateway, group, task, trace): name, partitions,
 *                          replicas, retention, cleanup policy. Entries given here replace the defaults field by field.
 * @param downstream        spec of each {@code im-downstream-topic-{gateway_id}}; its name is the prefix before the id
 * @param dlq               spec of each {@code <topic>-dlq}; its name is the suffix
 * @param provision         which topics this app creates at start-up: kinds, plus {@code <kind>-dlq}
 * @param coPartitioned     groups of kinds that must have equal partition counts (checked at start-up)
 *
 * <p>A plain record (the contract has no Spring): shared-platform binds it from {@code im.topics.*} and validates
 * it; a field left out (null) takes its default here.
 */
public record ImTopicsProperties(
        String prefix,
        @NotBlank String compression,
        @Min(1) Integer minInsyncReplicas,
        Short replicationFactor,
        Map<String, @Valid SpecOverride> specs,
        @Valid SpecOverride downstream,
        @Valid SpecOverride dlq,
        List<String> provision,
        List<List<String>> coPartitioned,
        @Min(1024) Integer maxMessageBytes) {

    /** A spec as configured; null fields fall back to the default of that kind. */
    public record SpecOverride(String name, @Min(1) Integer partitions, @Min(1) Short replicas, Duration retention,
                               String cleanupPolicy) {
    }

    /** See {@code maxMessageBytes}: 2 MiB, twice the validator's default record limit. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

    private static final Map<TopicKind, TopicSpec> DEFAULTS = Map.of(
            TopicKind.UPSTREAM, TopicSpec.delete("im-upstream-topic", 10, 3, Duration.ofDays(7)),
            TopicKind.ROUTED, TopicSpec.delete("im-routed-topic", 10, 3, Duration.ofDays(1)),
            TopicKind.PRESENCE, TopicSpec.delete("im-presence-topic", 10, 3, Duration.ofDays(7)),
            TopicKind.GATEWAY, TopicSpec.compact("im-gateway-topic", 1, 3),
            TopicKind.GROUP, TopicSpec.compact("im-group-topic", 3, 3),
            TopicKind.TASK, TopicSpec.delete("im-task-topic", 5, 3, Duration.ofDays(3)),
            TopicKind.TRACE, TopicSpec.delete("im-trace-topic", 3, 3, Duration.ofDays(3)));

    private static final SpecOverride DOWNSTREAM_DEFAULT =
            new SpecOverride("im-downstream-topic-", 3, (short) 2, Duration.ofDays(1), "delete");
    private static final SpecOverride DLQ_DEFAULT = new SpecOverride("-dlq", 3, (short) 3, Duration.ofDays(14), "delete");

    /** Without {@code maxMessageBytes} (its default). */
    public ImTopicsProperties(String prefix, String compression, Integer minInsyncReplicas, Short replicationFactor,
                              Map<String, SpecOverride> specs, SpecOverride downstream, SpecOverride dlq,
                              List<String> provision, List<List<String>> coPartitioned) {
        this(prefix, compression, minInsyncReplicas, replicationFactor, specs, downstream, dlq, provision,
                coPartitioned, null);
    }

    public ImTopicsProperties {
        prefix = prefix == null ? "" : prefix;
        compression = compression == null ? "lz4" : compression;
        minInsyncReplicas = minInsyncReplicas == null ? 2 : minInsyncReplicas;
        maxMessageBytes = maxMessageBytes == null ? DEFAULT_MAX_MESSAGE_BYTES : maxMessageBytes;
        downstream = merge(DOWNSTREAM_DEFAULT, downstream);
        dlq = merge(DLQ_DEFAULT, dlq);
        specs = specs == null ? Map.of() : Map.copyOf(specs);
        provision = provision == null ? List.of() : List.copyOf(provision);
        coPartitioned = coPartitioned == null ? List.of() : List.copyOf(coPartitioned);
    }

    /** Defaults only, with no prefix: for tests and tools. */
    public static ImTopicsProperties defaults() {
        return new ImTopicsProperties("", "lz4", 2, null, null, null, null, null, null);
    }

    public TopicSpec spec(TopicKind kind) {
        return apply(DEFAULTS.get(kind), specs.get(kind.key()), prefix);
    }

    public String name(TopicKind kind) {
        return spec(kind).name();
    }

    /** The full name of a gateway's downstream topic. */
    public String downstreamTopic(String gatewayId) {
        return prefix + downstream.name() + gatewayId;
    }

    /** The prefixed part of every downstream topic name before the gateway id (for patterns). */
    public String downstreamTopicPrefix() {
        return prefix + downstream.name();
    }

    public TopicSpec downstreamSpec(String gatewayId) {
        return withReplicas(new TopicSpec(downstreamTopic(gatewayId), downstream.partitions(), downstream.replicas(),
                downstream.retention(), downstream.cleanupPolicy()));
    }

    public String dlqTopic(TopicKind kind) {
        return name(kind) + dlq.name();
    }

    public String dlqSuffix() {
        return dlq.name();
    }

    public TopicSpec dlqSpec(TopicKind kind) {
        return withReplicas(new TopicSpec(dlqTopic(kind), dlq.partitions(), dlq.replicas(), dlq.retention(),
                dlq.cleanupPolicy()));
    }

    /** Resolves a provisioning entry: {@code routed}, {@code routed-dlq}, ... */
    public TopicSpec resolve(String entry) {
        String dlqMarker = "-dlq";
        boolean isDlq = entry.endsWith(dlqMarker);
        TopicKind kind = kindOf(isDlq ? entry.substring(0, entry.length() - dlqMarker.length()) : entry);
        return isDlq ? dlqSpec(kind) : withReplicas(spec(kind));
    }

    public static TopicKind kindOf(String key) {
        for (TopicKind kind : TopicKind.values()) {
            if (kind.key().equals(key)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown topic kind '" + key + "'; known: upstream, routed, presence, "
                + "gateway, group, task, trace (add -dlq for a dead-letter topic)");
    }

    /**
     * {@code min.insync.replicas} of a topic: the configured value, capped at its replica count minus one (at least
     * 1), so that every topic stays writable with {@code acks=all} while one broker is down. Without the cap a
     * gateway topic (2 replicas, ARCHITECTURE §2) would refuse every write to a partition with a replica on a
     * stopped broker until it came back.
     */
    public int minInsyncReplicasFor(TopicSpec spec) {
        return Math.max(1, Math.min(minInsyncReplicas, spec.replicas() - 1));
    }

    private static SpecOverride merge(SpecOverride base, SpecOverride o) {
        if (o == null) {
            return base;
        }
        return new SpecOverride(
                o.name() != null ? o.name() : base.name(),
                o.partitions() != null ? o.partitions() : base.partitions(),
                o.replicas() != null ? o.replicas() : base.replicas(),
                o.retention() != null ? o.retention() : base.retention(),
                o.cleanupPolicy() != null ? o.cleanupPolicy() : base.cleanupPolicy());
    }

    private TopicSpec withReplicas(TopicSpec spec) {
        return replicationFactor == null ? spec
                : new TopicSpec(spec.name(), spec.partitions(), replicationFactor, spec.retention(), spec.cleanupPolicy());
    }

    private static TopicSpec apply(TopicSpec base, SpecOverride o, String prefix) {
        SpecOverride m = merge(new SpecOverride(base.name(), base.partitions(), base.replicas(), base.retention(),
                base.cleanupPolicy()), o);
        return new TopicSpec(prefix + m.name(), m.partitions(), m.replicas(), m.retention(), m.cleanupPolicy());
    }

    /** Every spec of the contract with this configuration applied, keyed by kind (for docs and tools). */
    public Map<TopicKind, TopicSpec> all() {
        Map<TopicKind, TopicSpec> all = new LinkedHashMap<>();
        for (TopicKind kind : TopicKind.values()) {
            all.put(kind, withReplicas(spec(kind)));
        }
        return all;
    }
}
