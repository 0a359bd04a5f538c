package io.impipeline.router.topology;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.impipeline.model.codec.Tasks;
import io.impipeline.model.wire.Task;
import io.impipeline.testkit.Messages;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.impipeline.router.topology.RouterDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

class SequencingTest {

    @TempDir
    Path stateDir;

    @Test
    void seqIsGapFreePerConversationUnderInterleavedConversations() {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            for (int i = 0; i < 30; i++) {
                String conversation = "conv_" + (i % 3);
                // Different senders share a conversation: sequencing must not depend on the sender's partition.
                String sender = "user_" + (i % 5);
                router.send(Messages.text("m" + i, sender, "peer_" + conversation, conversation, T0.toEpochMilli()));
            }
            Map<String, List<Long>> seqByConversation = router.tasks().stream()
                    .map(kv -> Tasks.persistPayload(kv.value))
                    .collect(Collectors.groupingBy(p -> p.message().conversationId(),
                            Collectors.mapping(p -> p.seq(), Collectors.toList())));

            assertThat(seqByConversation).hasSize(3);
            seqByConversation.values().forEach(seqs -> assertThat(seqs).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L,
                    8L, 9L, 10L));
        }
    }

    @Test
    void everyCopyOfAMessageCarriesTheSameSeq() {
        try (RouterDriver router = new RouterDriver(stateDir)) {
            router.send(Messages.text("a", "alice", "bob", "conv_ab", T0.toEpochMilli()));
            router.send(Messages.text("b", "bob", "alice", "conv_ab", T0.toEpochMilli()));

            List<KeyValue<String, io.impipeline.model.wire.RoutedMessage>> routed = router.routed();
            assertThat(routed).extracting(kv -> kv.value.message().messageId() + "@" + kv.value.seq())
                    .containsExactly("a@1", "a@1", "b@2", "b@2");
            List<Task> tasks = router.tasks().stream().map(kv -> kv.value).toList();
            assertThat(tasks).extracting(t -> Tasks.persistPayload(t).seq()).containsExactly(1L, 2L);
        }
    }
}
