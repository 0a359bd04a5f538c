package io.impipeline.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.OfflinePushPayload;
import io.impipeline.model.wire.SequencedMessage;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * What was expected and what arrived, checked as it arrives and summed up at the end: nothing lost, nothing
 * duplicated, {@code seq} gap-free per conversation and in order per recipient, scheduled messages not early,
 * offline recipients pushed, bad records dead-lettered; end-to-end latency.
 */
public final class DeliveryChecker {

    /** One message for one recipient on one gateway: the unit of delivery. */
    public record DeliveryKey(String messageId, String recipient, String gatewayId) {
    }

    private record OrderKey(String recipient, String gatewayId, String conversationId) {
    }

    private static final int MAX_EXAMPLES = 5;

    private final Map<DeliveryKey, Set<String>> expected = new ConcurrentHashMap<>();
    private final Map<DeliveryKey, AtomicInteger> received = new ConcurrentHashMap<>();
    private final Set<String> expectedPushes = ConcurrentHashMap.newKeySet();
    private final Set<String> receivedPushes = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> scheduled = new ConcurrentHashMap<>();
    private final Set<String> badSent = ConcurrentHashMap.newKeySet();
    private final Set<String> badDeadLettered = ConcurrentHashMap.newKeySet();
    private final Map<String, Set<Long>> seqsByConversation = new ConcurrentHashMap<>();
    private final Set<String> accepted = ConcurrentHashMap.newKeySet();
    private final Set<String> persisted = ConcurrentHashMap.newKeySet();
    private final Map<OrderKey, Long> lastSeq = new ConcurrentHashMap<>();
    private final Histogram latencyMicros = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 3);

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong firstSentAt = new AtomicLong();
    private final AtomicLong lastDeliveredAt = new AtomicLong();
    private final AtomicLong duplicatesSent = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong duplicateDeliveries = new AtomicLong();
    private final AtomicLong unexpectedDeliveries = new AtomicLong();
    private final AtomicLong pushes = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();
    private final List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong problemCount = new AtomicLong();

    // ---- expectations (sender side) ------------------------------------------------------------------------

    public void expectAccepted(String messageId, Long deliverAt) {
        firstSentAt.compareAndSet(0, System.currentTimeMillis());
        sent.incrementAndGet();
        accepted.add(messageId);
        if (deliverAt != null) {
            scheduled.put(messageId, deliverAt);
        }
    }

    public void expectDelivery(DeliveryKey key, Set<String> deviceIds) {
        expected.put(key, Set.copyOf(deviceIds));
    }

    public void expectPush(String recipient, String messageId) {
        expectedPushes.add(recipient + "|" + messageId);
    }

    public void sentDuplicate() {
        duplicatesSent.incrementAndGet();
    }

    public void sentBad(String simId) {
        badSent.add(simId);
    }

    // ---- observations (gateway and observer side) ------------------------------------------------------------

    /**
     * @param checked false for churn users, whose presence changes under the run: only duplicates and order count
     */
    public void onDownstream(String gatewayId, DownstreamMessage m, long receivedAtMillis, boolean checked) {
        DeliveryKey key = new DeliveryKey(m.messageId(), m.toUserId(), gatewayId);
        delivered.incrementAndGet();
        lastDeliveredAt.accumulateAndGet(receivedAtMillis, Math::max);
        int count = received.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        if (count > 1) {
            duplicateDeliveries.incrementAndGet();
            problem("duplicate delivery " + key);
        }
        Set<String> devices = expected.get(key);
        if (checked) {
            if (devices == null) {
                unexpectedDeliveries.incrementAndGet();
                problem("unexpected delivery " + key);
            } else if (!devices.equals(Set.copyOf(m.deviceIds()))) {
                problem("device_ids " + m.deviceIds() + " but expected " + devices + " for " + key);
            }
        }
        OrderKey order = new OrderKey(m.toUserId(), gatewayId, m.conversationId());
        Long previous = lastSeq.put(order, m.seq());
        if (previous != null && previous >= m.seq()) {
            problem("seq out of order for " + order + ": " + previous + " then " + m.seq());
        }
        Long due = scheduled.get(m.messageId());
        if (due != null) {
            if (receivedAtMillis < due) {
                problem("scheduled message " + m.messageId() + " arrived " + (due - receivedAtMillis) + " ms early");
            }
        } else {
            latencyMicros.recordValue(Math.max(0, (receivedAtMillis - m.timestamp()) * 1000));
        }
    }

    public void onPersistTask(SequencedMessage message) {
        if (!accepted.contains(message.message().messageId())) {
            return;
        }
        if (!persisted.add(message.message().messageId())) {
            problem("persist task twice for " + message.message().messageId());
        }
        seqsByConversation.computeIfAbsent(message.message().conversationId(), c -> ConcurrentHashMap.newKeySet())
                .add(message.seq());
    }

    public void onPushTask(OfflinePushPayload push) {
        if (expectedPushes.contains(push.userId() + "|" + push.messageId())) {
            pushes.incrementAndGet();
            receivedPushes.add(push.userId() + "|" + push.messageId());
        }
    }

    public void onDeadLetter(String simId) {
        if (simId != null && badSent.contains(simId)) {
            deadLetters.incrementAndGet();
            badDeadLettered.add(simId);
        }
    }

    private void problem(String text) {
        problemCount.incrementAndGet();
        if (problems.size() < MAX_EXAMPLES * 4) {
            problems.add(text);
        }
    }

    // ---- results --------------------------------------------------------------------------------------------

    public boolean complete() {
        return missingDeliveries() == 0 && expectedPushes.size() == receivedPushes.size()
                && badSent.size() == badDeadLettered.size() && persisted.size() == accepted.size();
    }

    public long missingDeliveries() {
        return expected.keySet().stream().filter(k -> !received.containsKey(k)).count();
    }

    public Progress progress() {
        return new Progress(sent.get(), duplicatesSent.get(), badSent.size(), delivered.get(), pushes.get(),
                deadLetters.get(), persisted.size(), latencyMicros.getValueAtPercentile(95) / 1000.0,
                problemCount.get());
    }

    /** Live counters for a progress line. */
    public record Progress(long sent, long duplicatesSent, long badSent, long delivered, long pushes,
                           long deadLettered, long persisted, double p95Millis, long problems) {
    }

    public Summary summary() {
        List<String> failures = new ArrayList<>(problems);
        long missing = missingDeliveries();
        if (missing > 0) {
            failures.add(missing + " expected deliveries never arrived, e.g. " + expected.keySet().stream()
                    .filter(k -> !received.containsKey(k)).limit(MAX_EXAMPLES).toList());
        }
        long missingPushes = expectedPushes.stream().filter(p -> !receivedPushes.contains(p)).count();
        if (missingPushes > 0) {
            failures.add(missingPushes + " offline pushes missing, e.g. " + expectedPushes.stream()
                    .filter(p -> !receivedPushes.contains(p)).limit(MAX_EXAMPLES).toList());
        }
        long notDeadLettered = badSent.size() - badDeadLettered.size();
        if (notDeadLettered > 0) {
            failures.add(notDeadLettered + " bad records not found in the dead-letter topic");
        }
        long notPersisted = accepted.size() - persisted.size();
        if (notPersisted > 0) {
            failures.add(notPersisted + " accepted messages without a persist task");
        }
        seqsByConversation.forEach((conversation, seqs) -> {
            long min = seqs.stream().mapToLong(Long::longValue).min().orElse(0);
            long max = seqs.stream().mapToLong(Long::longValue).max().orElse(-1);
            if (max - min + 1 != seqs.size()) {
                failures.add("seq has gaps in " + conversation + ": " + seqs.size() + " messages over " + min + ".."
                        + max);
            }
        });
        return new Summary(progress(), expected.size(), missing, expectedPushes.size(), seqsByConversation.size(),
                latencyMicros.getValueAtPercentile(50) / 1000.0, latencyMicros.getValueAtPercentile(95) / 1000.0,
                latencyMicros.getValueAtPercentile(99) / 1000.0, latencyMicros.getMaxValue() / 1000.0,
                latencyMicros.getTotalCount(), scheduled.size(), List.copyOf(failures), problemCount.get(),
                firstSentAt.get(), lastDeliveredAt.get());
    }

    /** The end of a run: figures and every failed check (empty when all passed). */
    public record Summary(Progress progress, long expectedDeliveries, long missingDeliveries, long expectedPushes,
                          long conversations,
                          double p50Millis, double p95Millis, double p99Millis, double maxMillis, long latencySamples,
                          long scheduledMessages, List<String> failures, long problemCount, long firstSentAt,
                          long lastDeliveredAt) {

        /** Gateway deliveries per second from the first send to the last delivery. */
        public double deliveriesPerSecond() {
            long span = lastDeliveredAt - firstSentAt;
            return span <= 0 ? 0 : progress.delivered() * 1000.0 / span;
        }

        public boolean passed() {
            return failures.isEmpty();
        }

        public String render() {
            StringBuilder b = new StringBuilder();
            Progress p = progress;
            b.append(String.format("sent %d messages (+%d duplicates, %d bad records, %d scheduled) in %d conversations%n",
                    p.sent(), p.duplicatesSent(), p.badSent(), scheduledMessages, conversations));
            b.append(String.format("gateway deliveries: %d received (%d expected to checked users, %d of them missing; "
                    + "the rest went to churning users); %d of %d offline pushes; %d of %d bad records "
                    + "dead-lettered; %d of %d persisted%n", p.delivered(), expectedDeliveries, missingDeliveries,
                    p.pushes(), expectedPushes, p.deadLettered(), p.badSent(), p.persisted(), p.sent()));
            b.append(String.format("end-to-end latency (client timestamp -> gateway receipt, %d samples): "
                    + "p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms%n", latencySamples, p50Millis, p95Millis,
                    p99Millis, maxMillis));
            if (failures.isEmpty()) {
                b.append("CHECKS PASSED: nothing lost, nothing duplicated, seq gap-free and in order, scheduled not early\n");
            } else {
                b.append("CHECKS FAILED (").append(problemCount).append(" problems):\n");
                failures.forEach(f -> b.append("  - ").append(f).append('\n'));
            }
            return b.toString();
        }
    }
}
