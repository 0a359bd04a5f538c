package io.impipeline.platform.health;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * Health {@code kafka}: UP when the cluster answers a describe-cluster within the timeout, with {@code cluster_id}
 * and {@code nodes} (snake_case like the rest of the REST API).
 */
public class KafkaHealthIndicator extends AbstractHealthIndicator implements DisposableBean {

    private final Admin admin;
    private final Duration timeout;

    public KafkaHealthIndicator(KafkaAdmin kafkaAdmin, Duration timeout) {
        super("Kafka health check failed");
        // One admin client for the app's life: a health probe must not open a connection per call.
        this.admin = Admin.create(kafkaAdmin.getConfigurationProperties());
        this.timeout = timeout;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        DescribeClusterResult cluster = admin.describeCluster(
                new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()));
        String clusterId = cluster.clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        int nodes = cluster.nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS).size();
        builder.up().withDetail("cluster_id", clusterId).withDetail("nodes", nodes);
    }

    @Override
    public void destroy() {
        admin.close(timeout);
    }
}
