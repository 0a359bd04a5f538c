package io.impipeline.worker.config;

import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.platform.topics.TopicProvisioner;
import io.impipeline.worker.batch.WorkerMetrics;
import io.impipeline.worker.settings.ListenerFactories;
import io.impipeline.worker.settings.WorkerProperties;
import io.impipeline.worker.settings.WorkerTopics;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.kafka.autoconfigure.ConcurrentKafkaListenerContainerFactoryConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.listener.DefaultAfterRollbackProcessor;
import org.springframework.kafka.transaction.KafkaTransactionManager;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * Listener containers: batch listeners in Kafka transactions (consume-process-produce). The offsets of a poll are
 * committed in the same transaction as everything the poll wrote to Kafka (routed records, retries, dead letters),
 * after its database work has committed. A poll that fails (only outages do) is rolled back and polled again after
 * an exponential back-off, without end: nothing is skipped while PostgreSQL or the broker is down. The worker's meters
 * count a poll when its transaction commits ({@link WorkerMetrics#commitListener()}).
 */
@Configuration(proxyBeanMethods = false)
public class KafkaConfiguration {

    @Bean
    WorkerTopics workerTopics(ImTopicsProperties topics, WorkerProperties worker) {
        return new WorkerTopics(topics, worker);
    }

    @Bean
    NewTopic taskRetryTopic(TopicProvisioner provisioner, WorkerTopics topics) {
        return provisioner.newTopic(topics.retrySpec());
    }

    /** Fails start-up when im-routed-topic's real partition count is not the configured one (group batches). */
    @Bean
    RoutedPartitionsCheck routedPartitionsCheck(KafkaAdmin kafkaAdmin, WorkerTopics topics) {
        return new RoutedPartitionsCheck(kafkaAdmin, topics.routedSpec());
    }

    @Bean(ListenerFactories.BATCH)
    ConcurrentKafkaListenerContainerFactory<Object, Object> workerBatchListenerFactory(
            ConcurrentKafkaListenerContainerFactoryConfigurer configurer, ConsumerFactory<Object, Object> consumers,
            KafkaTransactionManager<Object, Object> kafkaTransactions, WorkerProperties worker,
            WorkerMetrics metrics) {
        // Counts of a poll are applied when its transaction commits, dropped when it rolls back.
        kafkaTransactions.addListener(metrics.commitListener());
        ConcurrentKafkaListenerContainerFactory<Object, Object> factory = new ConcurrentKafkaListenerContainerFactory<>();
        configurer.configure(factory, consumers);
        factory.setBatchListener(true);
        factory.getContainerProperties().setKafkaAwareTransactionManager(kafkaTransactions);
        factory.setAfterRollbackProcessor(new DefaultAfterRollbackProcessor<>(outageBackOff(worker.outage())));
        return factory;
    }

    static ExponentialBackOff outageBackOff(WorkerProperties.Outage outage) {
        ExponentialBackOff backOff = new ExponentialBackOff(outage.initialInterval().toMillis(), outage.multiplier());
        backOff.setMaxInterval(outage.maxInterval().toMillis());
        // No end: an outage is waited out, never turned into skipped records.
        backOff.setMaxElapsedTime(Long.MAX_VALUE);
        return backOff;
    }
}
