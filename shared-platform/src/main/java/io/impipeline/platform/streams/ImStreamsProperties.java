package io.impipeline.platform.streams;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The Kafka Streams settings both Streams apps share ({@code im.streams.*}), the same keys in each. They are turned
 * into the binder's Streams configuration by {@link ImStreamsEnvironmentPostProcessor}; raw
 * {@code spring.cloud.stream.kafka.streams.binder.configuration.*} keys still win where an operator sets them.
 *
 * @param applicationId        Kafka Streams {@code application.id} without the topic prefix ({@code im.topics.prefix}
 *                             is put before it, as before every topic: the id also prefixes internal topics)
 * @param commitInterval       {@code commit.interval.ms}: the length of an exactly-once transaction (latency vs throughput)
 * @param stateDir             {@code state.dir}; empty: {@code ${java.io.tmpdir}/<spring.application.name>}
 * @param advertisedHost       host part of {@code application.server}, where other instances forward interactive queries
 * @param streamThreads        {@code num.stream.threads}
 * @param standbyReplicas      {@code num.standby.replicas}: warm copies of each store on other instances
 * @param rocksdbOffHeapBytes  one RocksDB block cache (memtables included) shared by all stores of the app
 * @param threadReplacements   how many stream threads a transient failure may replace within
 *                             {@code threadReplacementWindow} before the client is shut down (and the app turns not
 *                             live, to be restarted)
 * @param threadReplacementWindow the window of {@code threadReplacements}
 * @param producerRetryBackoff {@code producer.retry.backoff.ms}, the first wait before a produce request is retried
 *                             (it doubles up to the client's {@code retry.backoff.max.ms}). With transactions v2
 *                             (Kafka 4) a transaction's first write to a partition is refused with
 *                             CONCURRENT_TRANSACTIONS while the previous commit's markers are still being written,
 *                             which is common with replicated topics; the client's default 100 ms, doubling, then
 *                             delays nearly every transaction (KAFKA-18654). A short first wait keeps back-to-back
 *                             transactions back to back.
 * @param restoreFetchMaxWait  {@code fetch.max.wait.ms} of the restore and global consumers: how long the broker holds
 *                             their fetch when it has nothing new. A restore that reaches the end of a changelog or
 *                             of a global table's partition, or that is given the next tasks while a fetch is out,
 *                             waits this long per round; with the client's 500 ms a restart after {@code kill -9}
 *                             (exactly-once: every store restored from its changelog) spent about 2 s in such waits
 *                             (two rounds of the global table, two of the stores)
 */
@Validated
@ConfigurationProperties(ImStreamsProperties.PREFIX)
public record ImStreamsProperties(
        @NotBlank String applicationId,
        @DefaultValue("100ms") @NotNull Duration commitInterval,
        String stateDir,
        @DefaultValue("localhost") @NotBlank String advertisedHost,
        @DefaultValue("1") @Min(1) int streamThreads,
        @DefaultValue("0") @Min(0) int standbyReplicas,
        @DefaultValue("67108864") @Min(1024 * 1024) long rocksdbOffHeapBytes,
        @DefaultValue("3") @Min(0) int threadReplacements,
        @DefaultValue("10m") @NotNull Duration threadReplacementWindow,
        @DefaultValue("10ms") @NotNull Duration producerRetryBackoff,
        @DefaultValue("100ms") @NotNull Duration restoreFetchMaxWait) {

    public static final String PREFIX = "im.streams";
}
