package io.impipeline.worker.task;

import java.util.List;

import io.impipeline.model.codec.WireValidator;
import io.impipeline.worker.TaskFixtures;
import io.impipeline.worker.batch.TaskRecord;
import io.impipeline.worker.batch.WorkerMetrics;
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
    void theSamePushOrFanOutTwiceInOnePollIsDoneOnce() {
        processor.process(List.of(
                record(TaskFixtures.push("u1", "m1")),
                record(TaskFixtures.push("u1", "m1")),
                record(TaskFixtures.push("u2", "m1")),
                record(TaskFixtures.fanout("g1", "m2", "u1", 100)),
                record(TaskFixtures.fanout("g1", "m2", "u1", 100))));

        ArgumentCaptor<List<TaskRecord>> pushes = ArgumentCaptor.forClass(List.class);
        verify(push).push(pushes.capture(), any());
        assertThat(pushes.getValue()).extracting(t -> t.task().offlinePushPayload().userId())
                .containsExactly("u1", "u2");
        verify(fanout, times(1)).fanOut(any(), any());
        assertThat(meters.get(WorkerMetrics.TASKS).tag("type", "offline_push").tag("outcome", "duplicate")
                .counter().count()).isEqualTo(1);
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
