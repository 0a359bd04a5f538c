package io.impipeline.simulator;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.DownstreamMessage.Recipient;
import io.impipeline.model.wire.OfflinePushPayload;
import io.impipeline.model.wire.SequencedMessage;
import io.impipeline.model.wire.UpstreamMessage;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * What was expected and what arrived, checked per (message, user, device) and summed up at the end.
 * <ul>
 *   <li>Every (message, user) has one {@link Expected} outcome: {@link Deliver} (presence fixed, online: exactly
 *       these devices), {@link Push} (presence fixed, offline: exactly one push), {@link EitherWay} (presence changes
 *       during the run: delivered to devices she had, each at most once, or pushed once; never both, never neither).
 *       Anything that arrives for a (message, user) with no expectation fails.</li>
 *   <li>Deliveries are counted per (message, user, device) across every downstream record (single-chat records and
 *       v2 group batches with {@code recipients}): a device that gets a message twice fails, on one gateway topic or
 *       across several.</li>
 *   <li>Pushes are counted per (message, user) over every user of every {@code offline_push} batch: a second push
 *       fails.</li>
 *   <li>{@code seq}: one value per message wherever it is seen (gateway, persist task, history); per conversation
 *       the values form the multiset {1..n}: two messages with one seq fail, a gap fails. Per (user, gateway,
 *       conversation) the deliveries arrive in strictly increasing seq.</li>
 *   <li>Persisted: a row in PostgreSQL read through the task-worker's history API ({@link #useHistory(String)}), or,
 *       without it, a persist task on {@code im-task-topic} (and the summary says that rows were not checked).</li>
 *   <li>Scheduled messages never arrive early; bad records reach the dead-letter topic.</li>
 * </ul>
 */
public final class DeliveryChecker {

    /** A device on a gateway: where one delivery lands. */
    public record DeviceAt(String gatewayId, String deviceId) {
        @Override
        public String toString() {
            return deviceId + "@" + gatewayId;
        }
    }

    /** One message for one user: the unit every outcome rule is checked on. */
    public record RecipientKey(String messageId, String userId) {
        @Override
        public String toString() {
            return messageId + "->" + userId;
        }
    }

    /** What one user must get of one message. */
    public sealed interface Expected permits Deliver, Push, EitherWay {
    }

    /** Presence fixed and online: each of these devices exactly once; never pushed. */
    public record Deliver(Set<DeviceAt> devices) implements Expected {
        public Deliver {
            devices = Set.copyOf(devices);
            if (devices.isEmpty()) {
                throw new IllegalArgumentException("a delivery needs a device");
            }
        }
    }

    /** Presence fixed and offline: exactly one push; never delivered. */
    public record Push() implements Expected {
    }

    /**
     * Presence changes during the run: delivered (only to {@code allowed} devices, each at most once, and then to
     * every {@code required} device, one that is online the whole run) or pushed once (only when nothing is
     * required); never both, never neither.
     */
    public record EitherWay(Set<DeviceAt> required, Set<DeviceAt> allowed) implements Expected {
        public EitherWay {
            required = Set.copyOf(required);
            allowed = Set.copyOf(allowed);
            if (!allowed.containsAll(required)) {
                throw new IllegalArgumentException("required devices must be allowed");
            }
        }
    }

    /** A row of the history API: a persisted message's identity and seq. */
    public record StoredRow(String messageId, String fromUserId, long seq) {
    }

    private record Accepted(String messageId, String fromUserId, String conversationId, Long deliverAt,
                            boolean group) {
    }

    private record OrderKey(String userId, String gatewayId, String conversationId) {
    }

    /** What arrived for one (message, user): deliveries per device and pushes. */
    private static final class Observed {
        private final Map<DeviceAt, Integer> devices = new HashMap<>();
        private int pushes;

        synchronized int deliver(DeviceAt device) {
            return devices.merge(device, 1, Integer::sum);
        }

        synchronized int push() {
            return ++pushes;
        }

        synchronized Snapshot snapshot() {
            return new Snapshot(Map.copyOf(devices), pushes);
        }
    }

    private record Snapshot(Map<DeviceAt, Integer> devices, int pushes) {
        static final Snapshot NONE = new Snapshot(Map.of(), 0);

        boolean delivered() {
            return !devices.isEmpty();
        }
    }

    private final Map<String, Accepted> accepted = new ConcurrentHashMap<>();
    private final Map<RecipientKey, Expected> expected = new ConcurrentHashMap<>();
    private final Map<RecipientKey, Observed> observed = new ConcurrentHashMap<>();
    private final Map<String, Long> seqByMessage = new ConcurrentHashMap<>();
    private final Map<String, Long> persistTaskSeq = new ConcurrentHashMap<>();
    private final Map<String, List<StoredRow>> history = new ConcurrentHashMap<>();
    private final Map<String, String> historyErrors = new ConcurrentHashMap<>();
    private volatile String historySource;
    private final Set<String> badSent = ConcurrentHashMap.newKeySet();
    private final Set<String> badDeadLettered = ConcurrentHashMap.newKeySet();
    private final Map<OrderKey, Long> lastSeq = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> recordsByGateway = new ConcurrentHashMap<>();
    private final Histogram latencyMicros = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 3);

    private final AtomicLong firstSentAt = new AtomicLong();
    private final AtomicLong lastDeliveredAt = new AtomicLong();
    private final AtomicLong duplicatesSent = new AtomicLong();
    private final AtomicLong groupMessages = new AtomicLong();
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong recordsAfterDeath = new AtomicLong();
    private final AtomicLong groupRecords = new AtomicLong();
    private final AtomicLong deliveries = new AtomicLong();
    private final AtomicLong pushes = new AtomicLong();
    private final AtomicLong pushTasks = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();
    /** Failures seen as records arrive (the rest are judged in {@link #summary()}). */
    private final Failures problems = new Failures();

    // ---- expectations (sender side) ------------------------------------------------------------------------

    /** A message the pipeline must accept: persisted, sequenced in its conversation. */
    public void expectAccepted(String messageId, String fromUserId, String conversationId, Long deliverAt,
                               boolean group) {
        firstSentAt.compareAndSet(0, System.currentTimeMillis());
        accepted.put(messageId, new Accepted(messageId, fromUserId, conversationId, deliverAt, group));
        if (group) {
            groupMessages.incrementAndGet();
        }
    }

    public void expectAccepted(UpstreamMessage m) {
        expectAccepted(m.messageId(), m.fromUserId(), m.conversationId(), m.deliverAt(), m.groupId() != null);
    }

    /** What {@code userId} must get of {@code messageId}; a (message, user) without an expectation gets nothing. */
    public void expect(String messageId, String userId, Expected outcome) {
        expected.put(new RecipientKey(messageId, userId), outcome);
    }

    public void sentDuplicate() {
        duplicatesSent.incrementAndGet();
    }

    public void sentBad(String simId) {
        badSent.add(simId);
    }

    /** Persistence is proven by rows read from the task-worker's history API at {@code workerUrl}. */
    public void useHistory(String workerUrl) {
        historySource = workerUrl;
    }

    // ---- observations (gateway and observer side) ------------------------------------------------------------

    /** A record read by a gateway's consumer while the gateway lives. */
    public void onDownstream(String gatewayId, String key, DownstreamMessage m, long receivedAtMillis) {
        observe(gatewayId, key, m, receivedAtMillis, true);
    }

    /**
     * A record read from a dead gateway's topic after it died: what the dispatcher wrote there counts as delivered
     * (it was not pushed), but its receipt time is not a latency.
     */
    public void onDownstreamAfterDeath(String gatewayId, String key, DownstreamMessage m) {
        recordsAfterDeath.incrementAndGet();
        observe(gatewayId, key, m, 0, false);
    }

    private void observe(String gatewayId, String key, DownstreamMessage m, long receivedAtMillis,
                         boolean whileAlive) {
        records.incrementAndGet();
        recordsByGateway.computeIfAbsent(gatewayId, g -> new AtomicLong()).incrementAndGet();
        if (m.isGroupBatch()) {
            groupRecords.incrementAndGet();
        }
        Accepted sent = accepted.get(m.messageId());
        if (sent == null) {
            return; // not this run's message
        }
        String where = m.messageId() + " on " + gatewayId;
        List<Recipient> recipients = recipientsOf(m);
        if (recipients.isEmpty()) {
            problems.add("downstream records naming no recipient", where);
        }
        String expectedKey = m.isGroupBatch() ? m.conversationId() : m.toUserId();
        if (key != null && !key.equals(expectedKey)) {
            problems.add("downstream records with the wrong key (group: conversation_id, single: to_user_id)",
                    where + " key " + key);
        }
        for (Recipient r : recipients) {
            if (r.deviceIds().isEmpty()) {
                problems.add("recipients listed without a device", where + " for " + r.userId());
            }
            if (m.isGroupBatch() && r.userId().equals(m.fromUserId())) {
                problems.add("group records listing their own sender", where);
            }
            RecipientKey rk = new RecipientKey(m.messageId(), r.userId());
            Observed o = observed.computeIfAbsent(rk, k -> new Observed());
            for (String device : r.deviceIds()) {
                deliveries.incrementAndGet();
                DeviceAt at = new DeviceAt(gatewayId, device);
                if (o.deliver(at) == 2) {
                    problems.add("duplicate deliveries (one message twice to one device)", rk + " " + at);
                }
            }
            OrderKey order = new OrderKey(r.userId(), gatewayId, m.conversationId());
            Long previous = lastSeq.put(order, m.seq());
            if (previous != null && previous >= m.seq()) {
                problems.add("deliveries with seq out of order", order + ": " + previous + " then " + m.seq());
            }
        }
        noteSeq(m.messageId(), m.seq(), "gateway " + gatewayId);
        if (!whileAlive) {
            return;
        }
        lastDeliveredAt.accumulateAndGet(receivedAtMillis, Math::max);
        if (sent.deliverAt() != null) {
            if (receivedAtMillis < sent.deliverAt()) {
                problems.add("scheduled messages that arrived early", m.messageId() + " "
                        + (sent.deliverAt() - receivedAtMillis) + " ms early");
            }
        } else {
            latencyMicros.recordValue(Math.max(0, (receivedAtMillis - m.timestamp()) * 1000));
        }
    }

    private static List<Recipient> recipientsOf(DownstreamMessage m) {
        if (m.isGroupBatch()) {
            return m.recipients();
        }
        if (m.toUserId() == null) {
            return List.of();
        }
        return List.of(new Recipient(m.toUserId(), m.deviceIds() == null ? List.of() : m.deviceIds()));
    }

    /** A downstream record that is not a valid {@link DownstreamMessage}. */
    public void onUndecodable(String where) {
        records.incrementAndGet();
        problems.add("undecodable downstream records", where);
    }

    public void onPersistTask(SequencedMessage message) {
        String id = message.message().messageId();
        if (!accepted.containsKey(id)) {
            return;
        }
        if (persistTaskSeq.putIfAbsent(id, message.seq()) != null) {
            problems.add("persist tasks written twice", id);
        }
        noteSeq(id, message.seq(), "persist task");
    }

    /** One {@code offline_push} batch: one push per user in {@code user_ids}. */
    public void onPushTask(OfflinePushPayload push) {
        Accepted sent = accepted.get(push.messageId());
        if (sent == null) {
            return;
        }
        pushTasks.incrementAndGet();
        if (!sent.fromUserId().equals(push.fromUserId())) {
            problems.add("offline_push tasks with the wrong from_user_id", push.messageId() + " from "
                    + push.fromUserId());
        }
        if (push.userIds().isEmpty() || push.userIds().size() > OfflinePushPayload.MAX_USERS) {
            problems.add("offline_push tasks with 0 or more than " + OfflinePushPayload.MAX_USERS + " users",
                    push.messageId() + ": " + push.userIds().size());
        }
        for (String user : push.userIds()) {
            pushes.incrementAndGet();
            RecipientKey rk = new RecipientKey(push.messageId(), user);
            if (observed.computeIfAbsent(rk, k -> new Observed()).push() == 2) {
                problems.add("duplicate pushes (one message pushed twice to one user)", rk.toString());
            }
        }
    }

    public void onDeadLetter(String simId) {
        if (simId != null && badSent.contains(simId)) {
            deadLetters.incrementAndGet();
            badDeadLettered.add(simId);
        }
    }

    /** The rows of one conversation as the history API returned them now (replaces what was read before). */
    public void onHistory(String conversationId, List<StoredRow> rows) {
        history.put(conversationId, List.copyOf(rows));
        historyErrors.remove(conversationId);
        for (StoredRow row : rows) {
            Accepted sent = accepted.get(row.messageId());
            if (sent != null && sent.fromUserId().equals(row.fromUserId())) {
                noteSeq(row.messageId(), row.seq(), "history");
            }
        }
    }

    /** The history API could not be read for a conversation (kept until a later read succeeds). */
    public void onHistoryError(String conversationId, String error) {
        historyErrors.put(conversationId, error);
    }

    private void noteSeq(String messageId, long seq, String where) {
        Long first = seqByMessage.putIfAbsent(messageId, seq);
        if (first != null && first != seq) {
            problems.add("messages seen with two different seqs", messageId + ": " + first + ", then " + seq + " ("
                    + where + ")");
        }
    }

    // ---- progress -------------------------------------------------------------------------------------------

    /** Conversations of the accepted messages. */
    public Set<String> conversations() {
        return accepted.values().stream().map(Accepted::conversationId).collect(Collectors.toSet());
    }

    /** Conversations whose rows, as last read, lack an accepted message (or were never read). */
    public Set<String> conversationsAwaitingRows() {
        Map<String, Map<String, Long>> stored = new HashMap<>();
        Set<String> pending = new HashSet<>();
        for (Accepted a : accepted.values()) {
            Map<String, Long> rows = stored.computeIfAbsent(a.conversationId(), this::storedIdentities);
            if (!rows.containsKey(identity(a.fromUserId(), a.messageId()))) {
                pending.add(a.conversationId());
            }
        }
        return pending;
    }

    /** (from_user_id, message_id) -> rows, of one conversation as last read; empty when never read. */
    private Map<String, Long> storedIdentities(String conversationId) {
        return history.getOrDefault(conversationId, List.of()).stream()
                .collect(Collectors.groupingBy(r -> identity(r.fromUserId(), r.messageId()), Collectors.counting()));
    }

    /** The message identity of the contract: the same message id may come from two senders. */
    private static String identity(String fromUserId, String messageId) {
        return fromUserId + "\u0000" + messageId;
    }

    /** Everything expected has arrived (extra arrivals may still come; the summary judges them). */
    public boolean complete() {
        for (Map.Entry<RecipientKey, Expected> e : expected.entrySet()) {
            if (!satisfied(e.getValue(), snapshot(e.getKey()))) {
                return false;
            }
        }
        return badDeadLettered.containsAll(badSent) && persistTaskSeq.keySet().containsAll(accepted.keySet());
    }

    private static boolean satisfied(Expected e, Snapshot o) {
        if (e instanceof Deliver d) {
            return o.devices().keySet().containsAll(d.devices());
        }
        if (e instanceof EitherWay w) {
            return o.devices().keySet().containsAll(w.required()) && (o.delivered() || o.pushes() > 0);
        }
        return o.pushes() > 0;
    }

    private Snapshot snapshot(RecipientKey key) {
        Observed o = observed.get(key);
        return o == null ? Snapshot.NONE : o.snapshot();
    }

    public Progress progress() {
        return new Progress(accepted.size(), duplicatesSent.get(), badSent.size(), records.get(), deliveries.get(),
                pushes.get(), deadLetters.get(), persistTaskSeq.size(),
                latencyMicros.getValueAtPercentile(95) / 1000.0, problems.total());
    }

    /**
     * Live counters for a progress line.
     *
     * @param sent      accepted messages sent (duplicates and bad records not included)
     * @param records   downstream records received by the gateways
     * @param delivered deliveries: (message, device on a gateway) pairs received
     * @param pushes    pushes: (user, message) pairs in {@code offline_push} tasks
     * @param persisted messages with a persist task on {@code im-task-topic}
     */
    public record Progress(long sent, long duplicatesSent, long badSent, long records, long delivered, long pushes,
                           long deadLettered, long persisted, double p95Millis, long problems) {
    }

    // ---- the verdict ----------------------------------------------------------------------------------------

    public Summary summary() {
        Failures f = problems.copy();
        Tally t = judgeOutcomes(f);
        badSent.stream().filter(b -> !badDeadLettered.contains(b)).sorted()
                .forEach(b -> f.add("bad records not found in the dead-letter topic", b));
        long persisted = judgePersistence(f);
        Map<String, Long> perGateway = new TreeMap<>();
        recordsByGateway.forEach((gw, n) -> perGateway.put(gw, n.get()));
        String persistence = historySource != null
                ? "rows in PostgreSQL read through the task-worker's history API (" + historySource + ")"
                : "persist tasks on im-task-topic only: rows in PostgreSQL were NOT checked (no worker URL given)";
        return new Summary(progress(), t.expectedDeliveries, t.missingDeliveries, t.expectedPushes, t.eitherWay,
                t.eitherWayDelivered, t.eitherWayPushed, conversations().size(), perGateway, recordsAfterDeath.get(),
                groupMessages.get(), groupRecords.get(), pushTasks.get(), historySource != null, persistence, persisted,
                latencyMicros.getValueAtPercentile(50) / 1000.0, latencyMicros.getValueAtPercentile(95) / 1000.0,
                latencyMicros.getValueAtPercentile(99) / 1000.0, latencyMicros.getMaxValue() / 1000.0,
                latencyMicros.getTotalCount(), accepted.values().stream().filter(a -> a.deliverAt() != null).count(),
                f.lines(), f.total(), firstSentAt.get(), lastDeliveredAt.get());
    }

    /** Counts of the outcome checks, for the summary. */
    private static final class Tally {
        long expectedDeliveries;
        long missingDeliveries;
        long expectedPushes;
        long eitherWay;
        long eitherWayDelivered;
        long eitherWayPushed;
    }

    /** Judges every (message, user) with an expectation, and every arrival without one. */
    private Tally judgeOutcomes(Failures f) {
        Tally t = new Tally();
        for (Map.Entry<RecipientKey, Expected> e : expected.entrySet()) {
            RecipientKey key = e.getKey();
            Snapshot o = snapshot(key);
            if (o.delivered() && o.pushes() > 0) {
                f.add("messages delivered AND pushed to one user", key + " on " + o.devices().keySet());
            }
            Expected outcome = e.getValue();
            if (outcome instanceof Deliver d) {
                judgeDeliver(f, t, key, d, o);
            } else if (outcome instanceof EitherWay w) {
                judgeEitherWay(f, t, key, w, o);
            } else {
                t.expectedPushes++;
                if (o.pushes() == 0 && !o.delivered()) {
                    f.add("offline pushes missing", key.toString());
                } else if (o.pushes() == 0) {
                    f.add("deliveries to users who were offline the whole run", key + " " + o.devices().keySet());
                }
            }
        }
        observed.forEach((key, obs) -> {
            if (!expected.containsKey(key)) {
                Snapshot o = obs.snapshot();
                if (o.delivered()) {
                    f.add("unexpected deliveries (the message is not for this user)", key + " "
                            + o.devices().keySet());
                }
                if (o.pushes() > 0) {
                    f.add("unexpected pushes (the message is not for this user)", key.toString());
                }
            }
        });
        return t;
    }

    private static void judgeDeliver(Failures f, Tally t, RecipientKey key, Deliver d, Snapshot o) {
        Set<DeviceAt> got = o.devices().keySet();
        t.expectedDeliveries += d.devices().size();
        Set<DeviceAt> absent = minus(d.devices(), got);
        t.missingDeliveries += absent.size();
        if (!absent.isEmpty()) {
            f.add("expected deliveries never arrived", key + " " + absent);
        }
        Set<DeviceAt> extra = minus(got, d.devices());
        if (!extra.isEmpty()) {
            f.add("deliveries to devices the user does not have there", key + " " + extra);
        }
        if (!o.delivered() && o.pushes() > 0) {
            f.add("pushes to users who were online the whole run", key.toString());
        }
    }

    private static void judgeEitherWay(Failures f, Tally t, RecipientKey key, EitherWay w, Snapshot o) {
        Set<DeviceAt> got = o.devices().keySet();
        t.eitherWay++;
        if (o.delivered()) {
            t.eitherWayDelivered++;
        }
        if (o.pushes() > 0) {
            t.eitherWayPushed++;
        }
        if (!o.delivered() && o.pushes() == 0) {
            f.add("messages lost for a user whose presence changed (neither delivered nor pushed)", key.toString());
            return;
        }
        Set<DeviceAt> extra = minus(got, w.allowed());
        if (!extra.isEmpty()) {
            f.add("deliveries to devices the user never had", key + " " + extra);
        }
        Set<DeviceAt> absent = minus(w.required(), got);
        if (!absent.isEmpty()) {
            f.add(o.delivered() ? "deliveries missing on a device online the whole run"
                    : "pushes to users with a device online the whole run", key + " " + absent);
        }
    }

    /** Persisted messages and seq per conversation; returns how many accepted messages are proven persisted. */
    private long judgePersistence(Failures f) {
        Map<String, List<Accepted>> byConversation = accepted.values().stream()
                .collect(Collectors.groupingBy(Accepted::conversationId));
        long persisted = 0;
        boolean fromHistory = historySource != null;
        for (Map.Entry<String, List<Accepted>> c : byConversation.entrySet()) {
            String conversation = c.getKey();
            List<Long> seqs = new ArrayList<>();
            if (fromHistory) {
                Map<String, Long> stored = storedIdentities(conversation);
                Set<String> sent = new HashSet<>();
                for (Accepted a : c.getValue()) {
                    String identity = identity(a.fromUserId(), a.messageId());
                    sent.add(identity);
                    long n = stored.getOrDefault(identity, 0L);
                    if (n == 0) {
                        String error = historyErrors.get(conversation);
                        f.add("accepted messages without a row in PostgreSQL (history API)", a.messageId()
                                + (error == null ? "" : " (" + error + ")"));
                    } else {
                        persisted++;
                        if (n > 1) {
                            f.add("messages stored twice", a.messageId() + " x" + n);
                        }
                    }
                }
                for (StoredRow r : history.getOrDefault(conversation, List.of())) {
                    seqs.add(r.seq());
                    if (!sent.contains(identity(r.fromUserId(), r.messageId()))) {
                        f.add("rows in history for messages this run did not send", conversation + ": "
                                + r.messageId());
                    }
                }
            } else {
                for (Accepted a : c.getValue()) {
                    Long seq = persistTaskSeq.get(a.messageId());
                    if (seq == null) {
                        f.add("accepted messages without a persist task on im-task-topic", a.messageId());
                    } else {
                        persisted++;
                        seqs.add(seq);
                    }
                }
            }
            judgeSeqs(f, conversation, seqs);
        }
        return persisted;
    }

    /** The seqs of one conversation must be the multiset {1..n}: no value twice, no gap. */
    private static void judgeSeqs(Failures f, String conversation, List<Long> seqs) {
        Map<Long, Long> counts = seqs.stream()
                .collect(Collectors.groupingBy(Function.identity(), TreeMap::new, Collectors.counting()));
        counts.forEach((seq, n) -> {
            if (n > 1) {
                f.add("seqs given to more than one message", conversation + ": seq " + seq + " x" + n);
            }
        });
        long expectedNext = 1;
        for (long seq : counts.keySet()) {
            if (seq != expectedNext) {
                f.add("conversations whose seq is not gap-free 1..n",
                        conversation + ": " + abbreviate(counts.keySet()));
                return;
            }
            expectedNext++;
        }
    }

    private static String abbreviate(Set<Long> seqs) {
        List<Long> list = List.copyOf(seqs);
        return list.size() <= 12 ? list.toString()
                : list.subList(0, 6) + "..." + list.subList(list.size() - 6, list.size());
    }

    private static <T> Set<T> minus(Set<T> a, Set<T> b) {
        Set<T> out = new TreeSet<>(Comparator.comparing(Object::toString));
        for (T t : a) {
            if (!b.contains(t)) {
                out.add(t);
            }
        }
        return out;
    }

    /**
     * The end of a run: figures and every failed check (empty when all passed).
     *
     * @param expectedDeliveries (message, device) deliveries predicted exactly (users whose presence is fixed)
     * @param eitherWayChecked   (message, user) pairs of users whose presence changed, checked "exactly one way"
     * @param eitherWayDelivered how many of those were delivered
     * @param eitherWayPushed    how many of those were pushed (the rest: lost, or both, and reported)
     * @param recordsByGateway   downstream records received per gateway
     * @param recordsAfterDeath  of those, read from the dead gateway's topic after it died
     * @param rowsChecked        whether persisted means a row in PostgreSQL (else: a persist task)
     * @param persistence        what "persisted" was checked against
     * @param persisted          accepted messages proven persisted
     */
    public record Summary(Progress progress, long expectedDeliveries, long missingDeliveries, long expectedPushes,
                          long eitherWayChecked, long eitherWayDelivered, long eitherWayPushed, long conversations,
                          Map<String, Long> recordsByGateway, long recordsAfterDeath, long groupMessages,
                          long groupRecords, long pushTasks, boolean rowsChecked, String persistence,
                          long persisted,
                          double p50Millis, double p95Millis, double p99Millis, double maxMillis, long latencySamples,
                          long scheduledMessages, List<String> failures, long problemCount, long firstSentAt,
                          long lastDeliveredAt) {

        /** Deliveries, (message, device on a gateway) pairs, per second from the first send to the last delivery. */
        public double deliveriesPerSecond() {
            long span = lastDeliveredAt - firstSentAt;
            return span <= 0 ? 0 : progress.delivered() * 1000.0 / span;
        }

        /** Downstream records per second from the first send to the last delivery. */
        public double recordsPerSecond() {
            long span = lastDeliveredAt - firstSentAt;
            return span <= 0 ? 0 : progress.records() * 1000.0 / span;
        }

        /** Downstream group records (v2: one per message, gateway and routed batch) per group message. */
        public double recordsPerGroupMessage() {
            return groupMessages == 0 ? 0 : (double) groupRecords / groupMessages;
        }

        public boolean passed() {
            return failures.isEmpty();
        }

        public String render() {
            StringBuilder b = new StringBuilder();
            Progress p = progress;
            b.append(String.format("sent %d messages (+%d duplicates, %d bad records, %d scheduled; %d group messages) "
                    + "in %d conversations%n", p.sent(), p.duplicatesSent(), p.badSent(), scheduledMessages,
                    groupMessages, conversations));
            b.append(String.format("gateway records received: %d (%s)%s; %.2f records per group message%n",
                    p.records(), recordsByGateway.isEmpty() ? "none" : recordsByGateway.entrySet().stream()
                            .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")),
                    recordsAfterDeath > 0 ? ", " + recordsAfterDeath + " of them read from the dead gateway's "
                            + "topic after it died" : "", recordsPerGroupMessage()));
            b.append(String.format("deliveries (message, device-gateway pairs): %d, %.0f/s; fixed presence: %d "
                    + "expected, %d missing; changing presence: %d (message, user) checked exactly one way: %d "
                    + "delivered, %d pushed%n", p.delivered(), deliveriesPerSecond(), expectedDeliveries,
                    missingDeliveries, eitherWayChecked, eitherWayDelivered, eitherWayPushed));
            b.append(String.format("offline pushes: %d (user, message) in %d offline_push tasks (%d expected for "
                    + "offline users); %d of %d bad records dead-lettered%n", p.pushes(), pushTasks, expectedPushes,
                    p.deadLettered(), p.badSent()));
            b.append(String.format("persisted: %d of %d accepted messages; checked against %s%n", persisted, p.sent(),
                    persistence));
            b.append(String.format("end-to-end latency (client timestamp -> gateway receipt, %d samples): "
                    + "p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms%n", latencySamples, p50Millis, p95Millis,
                    p99Millis, maxMillis));
            if (failures.isEmpty()) {
                b.append("CHECKS PASSED: every message reached every user exactly one way (each device at most once, "
                        + "never delivered and pushed), seq 1..n per conversation and in order, "
                        + (rowsChecked ? "every message has its row in PostgreSQL"
                        : "every message has a persist task (rows in PostgreSQL NOT checked)")
                        + ", scheduled not early, bad records dead-lettered\n");
            } else {
                b.append("CHECKS FAILED (").append(problemCount).append(" problems):\n");
                failures.forEach(x -> b.append("  - ").append(x).append('\n'));
            }
            return b.toString();
        }
    }
}
