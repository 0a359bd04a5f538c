package io.impipeline.simulator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.simulator.Population.Device;
import io.impipeline.simulator.TrafficProfile.Kind;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What is sent: at the configured rate, for the configured time (or message limit), a bad record, a repeat of an
 * earlier message or a new message of the profile's mix, some of them scheduled a few seconds ahead. Every new
 * message's expectations are registered before it is sent.
 */
final class Traffic {

    private static final int MIN_SCHEDULE_AHEAD_MS = 3_000;
    private static final int SCHEDULE_SPREAD_MS = 5_000;

    private final SimulationSettings settings;
    private final ImTopicsProperties topics;
    private final Population population;
    private final KafkaProducer<String, byte[]> producer;
    private final DeliveryChecker checker;
    private final Expectations expectations;
    private final Random random;
    private final List<UpstreamMessage> sent = Collections.synchronizedList(new ArrayList<>());
    private final List<String> senders;
    private final List<String> onlineRecipients;
    private final List<String> offlineRecipients;
    private final List<String> everybody;
    private final String content;
    private long sequence;

    Traffic(SimulationSettings settings, ImTopicsProperties topics, Population population,
            KafkaProducer<String, byte[]> producer, DeliveryChecker checker, Expectations expectations) {
        this.settings = settings;
        this.topics = topics;
        this.population = population;
        this.producer = producer;
        this.checker = checker;
        this.expectations = expectations;
        this.random = new Random(settings.seed() + 1);
        this.senders = population.onlineStableUsers();
        List<String> online = new ArrayList<>(senders);
        online.addAll(population.churnUsers());
        this.onlineRecipients = List.copyOf(online);
        this.offlineRecipients = population.offlineStableUsers();
        List<String> all = new ArrayList<>(population.stableUsers());
        all.addAll(population.churnUsers());
        this.everybody = List.copyOf(all);
        this.content = "x".repeat(Math.max(1, settings.messageBytes()));
        if (senders.isEmpty()) {
            throw new IllegalStateException("no stable user is online: nobody can send (lower offlineShare)");
        }
    }

    /** Every accepted message sent so far (duplicates and bad records not included). */
    List<UpstreamMessage> sent() {
        synchronized (sent) {
            return List.copyOf(sent);
        }
    }

    /** Sends until the duration is over, the message limit is reached or {@code running} turns false. */
    void run(BooleanSupplier running) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + settings.duration().toNanos();
        long interval = settings.rate() > 0 ? TimeUnit.SECONDS.toNanos(1) / settings.rate() : 0;
        long next = start;
        while (System.nanoTime() < end && running.getAsBoolean()
                && (settings.messageLimit() == 0 || sent.size() < settings.messageLimit())) {
            if (interval > 0) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                next += interval;
            }
            double roll = random.nextDouble();
            if (roll < settings.badShare()) {
                sendBad();
            } else if (roll < settings.badShare() + settings.duplicateShare() && !sent.isEmpty()) {
                UpstreamMessage again = sent.get(random.nextInt(sent.size()));
                send(topics.name(TopicKind.UPSTREAM), again.fromUserId(), WireJson.toBytes(again));
                checker.sentDuplicate();
            } else {
                sendMessage(settings.profile().pick(random.nextDouble(), settings.groupShare()));
            }
        }
        producer.flush();
    }

    private void sendMessage(Kind kind) {
        String group = switch (kind) {
            case ANY_GROUP -> population.groups().isEmpty() ? null
                    : List.copyOf(population.groups().keySet()).get(random.nextInt(population.groups().size()));
            case SMALL_GROUP -> population.smallGroups().isEmpty() ? null
                    : population.smallGroups().get(random.nextInt(population.smallGroups().size()));
            case LARGE_GROUP -> population.largeGroup();
            default -> null;
        };
        long now = System.currentTimeMillis();
        String id = "m-" + population.runId() + "-" + (++sequence);
        Long deliverAt = random.nextDouble() < settings.scheduledShare()
                ? now + MIN_SCHEDULE_AHEAD_MS + random.nextInt(SCHEDULE_SPREAD_MS) : null;
        UpstreamMessage m;
        if (group != null) {
            String sender = groupSender(group);
            m = message(id, sender, null, "gc-" + group, group, now, deliverAt);
        } else {
            String sender = pick(senders, null);
            String to = switch (kind) {
                case SINGLE_OFFLINE -> offlineRecipients.isEmpty() ? pick(onlineRecipients, sender)
                        : pick(offlineRecipients, sender);
                case SINGLE_ANY -> pick(everybody, sender);
                default -> pick(onlineRecipients, sender);
            };
            String conversation = "dm-" + (sender.compareTo(to) < 0 ? sender + "-" + to : to + "-" + sender);
            m = message(id, sender, to, conversation, null, now, deliverAt);
        }
        expectations.register(m);
        sent.add(m);
        send(topics.name(TopicKind.UPSTREAM), m.fromUserId(), WireJson.toBytes(m));
    }

    /** A member who can send (stable and online), else any sender: groups do not check membership. */
    private String groupSender(String group) {
        List<String> members = population.groups().get(group).stream()
                .filter(u -> population.isStable(u) && population.isOnline(u)).toList();
        return members.isEmpty() ? pick(senders, null) : members.get(random.nextInt(members.size()));
    }

    /** A random user of {@code from} other than {@code not}. */
    private String pick(List<String> from, String not) {
        if (from.size() == 1 && from.get(0).equals(not)) {
            return pick(everybody, not);
        }
        while (true) {
            String u = from.get(random.nextInt(from.size()));
            if (!u.equals(not)) {
                return u;
            }
        }
    }

    private UpstreamMessage message(String id, String from, String to, String conversation, String groupId, long now,
                                    Long deliverAt) {
        List<Device> devices = population.devices(from);
        Device device = devices.get(random.nextInt(devices.size()));
        return new UpstreamMessage(id, from, to, conversation, content, "text", Map.of(), device.gatewayId(),
                device.deviceId(), now, UpstreamMessage.CURRENT_VERSION, groupId, deliverAt);
    }

    private void sendBad() {
        String simId = "bad-" + population.runId() + "-" + (++sequence);
        byte[] value = random.nextBoolean()
                ? "{\"message_id\": \"broken".getBytes(StandardCharsets.UTF_8)
                : ("{\"message_id\":\"" + simId + "\",\"version\":\"1.0\"}").getBytes(StandardCharsets.UTF_8);
        checker.sentBad(simId);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topics.name(TopicKind.UPSTREAM), simId, value);
        record.headers().add(Simulation.SIM_ID_HEADER, simId.getBytes(StandardCharsets.UTF_8));
        producer.send(record);
    }

    private void send(String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value));
    }
}
