package io.impipeline.worker.task;

import java.util.List;
import java.util.Map;

import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.Rejection;
import io.impipeline.model.codec.Tasks;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.worker.TaskFixtures;
import io.impipeline.worker.batch.TaskRecord;
import io.impipeline.worker.batch.WorkerMetrics;
import io.impipeline.worker.fanout.FanoutHeaders;
import io.impipeline.worker.fanout.FanoutStep;
import io.impipeline.worker.persist.PersistStep;
import io.impipeline.worker.push.PushStep;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;

/** Decoding and routing of one poll, with the steps mocked. */
class TaskBatchProcessorTest {

    private final PersistStep persist = mock(PersistStep.class);
    private final PushStep push = mock(PushStep.class);
    private final FanoutStep fanout = mock(FanoutStep.class);
    private final RetryScheduler retries = mock(RetryScheduler.class);
    private final TaskDeadLetters deadLetters = mock(TaskDeadLetters.class);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final TaskBatchProcessor processor = new TaskBatchProcessor(WireValidator.withDefaults(), persist, push,
            fanout, retries, deadLetters, new WorkerMetrics(meters));

    @Test
    @SuppressWarnings("unchecked")
    void theSamePushBatchOrFanOutPageTwiceInOnePollIsDoneOnce() {
        ConsumerRecord<String, byte[]> secondPage = record(TaskFixtures.fanout("g1", "m2", "u1", 100));
        FanoutHeaders.put(secondPage.headers(), new FanoutHeaders.Position(2, "u1", 0));
        processor.process(List.of(
                record(TaskFixtures.push(List.of("u1", "u2"), "m1")),
                record(TaskFixtures.push(List.of("u2", "u1"), "m1")),
                record(TaskFixtures.push(List.of("u3"), "m1")),
                record(TaskFixtures.fanout("g1", "m2", "u1", 100)),
                record(TaskFixtures.fanout("g1", "m2", "u1", 100)),
                secondPage));

        ArgumentCaptor<List<TaskRecord>> pushes = ArgumentCaptor.forClass(List.class);
        verify(push).push(pushes.capture(), any());
        assertThat(pushes.getValue()).extracting(t -> Tasks.offlinePushPayload(t.task()).userIds())
                .containsExactly(List.of("u1", "u2"), List.of("u3"));
        // Page 1 once, and page 2 (a continuation) is other work.
        verify(fanout, times(2)).fanOut(any(), any());
        assertThat(meters.get(WorkerMetrics.TASKS).tag("type", "offline_push").tag("outcome", "duplicate")
                .counter().count()).isEqualTo(1);
        assertThat(meters.get(WorkerMetrics.TASKS).tag("type", "group_fanout").tag("outcome", "duplicate")
                .counter().count()).isEqualTo(1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theSameMessageIdFromTwoSendersIsTwoMessagesToPersist() {
        processor.process(List.of(
                record(TaskFixtures.persistFrom("alice", "m1", "c1", 1)),
                record(TaskFixtures.persistFrom("carol", "m1", "c2", 1)),
                record(TaskFixtures.persistFrom("alice", "m1", "c1", 1))));

        ArgumentCaptor<List<TaskRecord>> persists = ArgumentCaptor.forClass(List.class);
        verify(persist).persist(persists.capture(), any());
        assertThat(persists.getValue()).extracting(t -> Tasks.persistPayload(t.task()).message().fromUserId())
                .containsExactly("alice", "carol");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aTaskWhosePayloadDoesNotReadAsItsTypeIsDeadLetteredAtOnceAndNeverReachesAStep() {
        Map<String, Object> task = WireJson.mapper().readValue(TaskFixtures.fanout("g1", "m3", "u1", 100), Map.class);
        ((Map<String, Object>) task.get("payload")).put("batch_size", "a lot");
        ConsumerRecord<String, byte[]> bad = record(WireJson.toBytes(task));
        processor.process(List.of(bad));
        ArgumentCaptor<Rejection> rejection = ArgumentCaptor.forClass(Rejection.class);
        verify(deadLetters).reject(org.mockito.ArgumentMatchers.eq(bad), any(), rejection.capture());
        assertThat(rejection.getValue().reason()).isEqualTo(ReasonCode.INVALID_FIELD);
        verify(retries, never()).retryOrDeadLetter(any(), any());
        verifyNoInteractions(fanout);
    }

    @Test
    void aTaskThatCannotBeParsedIsDeadLetteredAndNeverReachesAStep() {
        ConsumerRecord<String, byte[]> bad = record("{not json".getBytes());
        processor.process(List.of(bad));
        verify(deadLetters).reject(org.mockito.ArgumentMatchers.eq(bad), any(), any());
        verifyNoInteractions(retries, fanout);
    }

    private static ConsumerRecord<String, byte[]> record(byte[] value) {
        return new ConsumerRecord<>("im-task-topic", 0, 0, "k", value);
    }
}
