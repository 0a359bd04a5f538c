package io.impipeline.testkit;

import java.util.Map;

import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * A started single-node embedded KRaft broker that exactly-once apps can use: the transaction state log and the
 * offsets topic need replication 1 on one broker, or transactions never start and Streams apps hang in
 * REBALANCING. Destroy it when done.
 */
public final class TestBrokers {

    private TestBrokers() {
    }

    /** @param partitions default partition count of topics created by the broker itself */
    public static EmbeddedKafkaKraftBroker start(int partitions) {
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, partitions);
        broker.brokerProperties(Map.of(
                "transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1",
                "offsets.topic.replication.factor", "1"));
        broker.afterPropertiesSet();
        return broker;
    }
}
