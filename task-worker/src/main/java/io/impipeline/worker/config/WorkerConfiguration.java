package io.impipeline.worker.config;

import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.impipeline.model.codec.WireValidator;
import io.impipeline.platform.messagetrace.TraceSwitch;
import io.impipeline.platform.messagetrace.TraceWritingController;
import io.impipeline.platform.tracing.StreamTracing;
import io.impipeline.worker.batch.MessageTrace;
import io.impipeline.worker.batch.WorkerMetrics;
import io.impipeline.worker.fanout.FanoutPageListener;
import io.impipeline.worker.fanout.FanoutProgress;
import io.impipeline.worker.fanout.FanoutStep;
import io.impipeline.worker.fanout.GroupMembersStore;
import io.impipeline.worker.fanout.GroupMembershipListener;
import io.impipeline.worker.persist.MessageStore;
import io.impipeline.worker.persist.PersistStep;
import io.impipeline.worker.push.LogPushProvider;
import io.impipeline.worker.push.PushLedger;
import io.impipeline.worker.push.PushProvider;
import io.impipeline.worker.push.PushStep;
import io.impipeline.worker.push.WebhookPushProvider;
import io.impipeline.worker.settings.WorkerProperties;
import io.impipeline.worker.settings.WorkerTopics;
import io.impipeline.worker.task.RetryScheduler;
import io.impipeline.worker.task.TaskBatchProcessor;
import io.impipeline.worker.task.TaskDeadLetters;
import io.impipeline.worker.task.TaskListener;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/** The worker's parts, wired in the order of the data flow. */
@Configuration(proxyBeanMethods = false)
// GET|PUT /api/v1/trace-writing: pause and resume this app's trace events at run time.
@Import(TraceWritingController.class)
public class WorkerConfiguration {

    /**
     * The database's transaction manager. Declared here because the Kafka one (transactional listeners) would
     * otherwise keep Boot from creating it; primary, so that anything transactional means the database.
     */
    @Bean
    @Primary
    JdbcTransactionManager transactionManager(DataSource dataSource) {
        return new JdbcTransactionManager(dataSource);
    }

    @Bean
    TransactionTemplate databaseTransaction(JdbcTransactionManager transactions) {
        return new TransactionTemplate(transactions);
    }

    @Bean
    WorkerMetrics workerMetrics(MeterRegistry registry) {
        return new WorkerMetrics(registry);
    }

    /**
     * Trace events (issue 15; {@code fanned_out} only, see {@link MessageTrace}) with the listeners' transactional
     * template, so that they go out in each poll's Kafka transaction; {@code im.trace.enabled=false}: none.
     */
    @Bean
    MessageTrace messageTrace(TraceSwitch trace, KafkaTemplate<String, byte[]> template, WorkerTopics topics,
                              Clock clock, @Value("${spring.application.name:task-worker}") String app) {
        return trace.enabled() ? new MessageTrace(template, topics.trace(), app, clock, trace) : MessageTrace.off();
    }

    // ---- persist_message ---------------------------------------------------------------------------------------

    @Bean
    MessageStore messageStore(JdbcTemplate jdbc, TransactionTemplate databaseTransaction) {
        return new MessageStore(jdbc, databaseTransaction);
    }

    @Bean
    PersistStep persistStep(MessageStore store, WorkerMetrics metrics) {
        return new PersistStep(store, metrics);
    }

    // ---- offline_push ------------------------------------------------------------------------------------------

    @Bean
    PushProvider pushProvider(WorkerProperties worker) {
        return switch (worker.push().provider()) {
            case LOG -> new LogPushProvider();
            case WEBHOOK -> new WebhookPushProvider(worker.push().webhook());
        };
    }

    @Bean(destroyMethod = "shutdownNow")
    ExecutorService pushPool(WorkerProperties worker) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "push-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        return Executors.newFixedThreadPool(worker.push().parallelism(), threads);
    }

    @Bean
    PushStep pushStep(PushProvider provider, JdbcTemplate jdbc, WorkerMetrics metrics, ExecutorService pushPool) {
        return new PushStep(provider, new PushLedger(jdbc), metrics, pushPool);
    }

    // ---- group_fanout ------------------------------------------------------------------------------------------

    @Bean
    GroupMembersStore groupMembersStore(JdbcTemplate jdbc) {
        return new GroupMembersStore(jdbc);
    }

    @Bean
    GroupMembershipListener groupMembershipListener(GroupMembersStore store, WireValidator validator,
                                                    TransactionTemplate databaseTransaction, WorkerMetrics metrics,
                                                    KafkaTemplate<String, byte[]> template, WorkerTopics topics) {
        return new GroupMembershipListener(store, validator, databaseTransaction, metrics, template, topics);
    }

    @Bean
    FanoutProgress fanoutProgress(JdbcTemplate jdbc, TransactionTemplate databaseTransaction,
                                  GroupMembersStore members) {
        return new FanoutProgress(jdbc, databaseTransaction, members);
    }

    @Bean
    FanoutStep fanoutStep(FanoutProgress progress, KafkaTemplate<String, byte[]> template, WorkerTopics topics,
                          WorkerProperties worker, ObjectProvider<FanoutPageListener> pageListener,
                          WorkerMetrics metrics, Clock clock, ObjectProvider<StreamTracing> tracing,
                          MessageTrace trace) {
        return new FanoutStep(progress, template, topics, worker.fanout(),
                pageListener.getIfAvailable(() -> (group, message, page, sent) -> { }), metrics, clock,
                tracing.getIfAvailable(), trace);
    }

    // ---- the task listeners ------------------------------------------------------------------------------------

    @Bean
    TaskDeadLetters taskDeadLetters(KafkaTemplate<String, byte[]> template, WorkerTopics topics,
                                    WorkerMetrics metrics) {
        return new TaskDeadLetters(template, topics, metrics);
    }

    @Bean
    RetryScheduler retryScheduler(KafkaTemplate<String, byte[]> template, WorkerTopics topics, WorkerProperties worker,
                                  TaskDeadLetters deadLetters, WorkerMetrics metrics, Clock clock) {
        return new RetryScheduler(template, topics, worker.retry(), deadLetters, metrics, clock);
    }

    @Bean
    TaskBatchProcessor taskBatchProcessor(WireValidator validator, PersistStep persist, PushStep push,
                                          FanoutStep fanout, RetryScheduler retries, TaskDeadLetters deadLetters,
                                          WorkerMetrics metrics) {
        return new TaskBatchProcessor(validator, persist, push, fanout, retries, deadLetters, metrics);
    }

    @Bean
    TaskListener taskListener(TaskBatchProcessor processor, Clock clock, WorkerProperties worker) {
        return new TaskListener(processor, clock, worker.retry().maxInterval());
    }
}
