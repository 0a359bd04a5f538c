package io.impipeline.dlq.config;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Programmatic transactions: the capture batch and each replay chunk are one transaction each. */
@Configuration(proxyBeanMethods = false)
public class DatabaseConfiguration {

    @Bean
    TransactionTemplate transactionTemplate(PlatformTransactionManager transactions) {
        return new TransactionTemplate(transactions);
    }
}
