package io.impipeline.launcher.hostile;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import io.impipeline.launcher.hostile.Effect.Delivered;
import io.impipeline.launcher.hostile.Effect.GatewayAbsent;
import io.impipeline.launcher.hostile.Effect.GatewayKnown;
import io.impipeline.launcher.hostile.Effect.GroupAbsent;
import io.impipeline.launcher.hostile.Effect.GroupApplied;
import io.impipeline.launcher.hostile.Effect.NotPersisted;
import io.impipeline.launcher.hostile.Effect.Persisted;
import io.impipeline.launcher.hostile.Effect.PresenceAbsent;
import io.impipeline.launcher.hostile.Effect.PresenceOnline;
import io.impipeline.launcher.hostile.HostileRecord.Header;
import io.impipeline.launcher.hostile.HostileRecord.HttpSpec;
import io.impipeline.launcher.hostile.HostileRecord.Phase;
import io.impipeline.model.ImHeaders;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.ValidationLimits;
import io.impipeline.model.dlq.DeadLetterHeaders;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import org.apache.kafka.common.utils.Utils;
import tools.jackson.databind.json.JsonMapper;

import static io.impipeline.model.codec.ReasonCode.EMPTY_RECORD;
import static io.impipeline.model.codec.ReasonCode.INVALID_ENCODING;
import static io.impipeline.model.codec.ReasonCode.INVALID_FIELD;
import static io.impipeline.model.codec.ReasonCode.MALFORMED_JSON;
import static io.impipeline.model.codec.ReasonCode.MISSING_FIELD;
import static io.impipeline.model.codec.ReasonCode.SCHEDULE_TOO_FAR;
import static io.impipeline.model.codec.ReasonCode.TOO_LARGE;
import static io.impipeline.model.codec.ReasonCode.UNKNOWN_GROUP;
import static io.impipeline.model.codec.ReasonCode.UNSUPPORTED_VERSION;

/**
 * The hostile corpus at system level (issue 12): records for every topic a producer outside the pipeline can write
 * ({@code im-upstream-topic}, {@code im-presence-topic}, {@code im-gateway-topic}, {@code im-group-topic}) and for the
 * router's HTTP ingress, each with the exact bytes it carries and the outcome it must get.
 *
 * <p>Expected outcomes follow the contract (ARCHITECTURE §3-§5) and the code: the validator refuses NUL and unpaired
 * surrogates anywhere ({@code INVALID_FIELD}), bytes that are not UTF-8 ({@code INVALID_ENCODING}), JSON it cannot
 * parse, nested deeper than Jackson's 500 levels, with a duplicate key or a number longer than 1,000 digits
 * ({@code MALFORMED_JSON}), sizes over the limits ({@code TOO_LARGE}), heartbeats and presence more than 5 minutes
 * in the future ({@code INVALID_FIELD}); the router dead-letters to {@code im-upstream-topic-dlq}, the dispatcher
 * presence to {@code im-presence-topic-dlq}, the task-worker's group projection to {@code im-group-topic-dlq}. Bad
 * heartbeats are skipped by the dispatcher's global table (counted, not dead-lettered); bad group records are skipped
 * by the router's global table and dead-lettered by the task-worker.
 *
 * <p>Every id is prefixed with the run's prefix ({@code hx} and three characters), so that nothing collides with
 * the simulator's population or an earlier run. Messages go from {@code alice} (no device) to {@code bob} (one device
 * on the hostile gateway, which the run keeps alive and reads), so that "processed" can be checked end to end:
 * persisted, and delivered to bob's device.
 */
public final class HostileCorpus {

    public static final int MIB = 1024 * 1024;
    public static final int MAX_RECORD = ValidationLimits.DEFAULT_MAX_RECORD_BYTES;
    public static final int MAX_CONTENT = ValidationLimits.DEFAULT_MAX_CONTENT_BYTES;
    public static final int MAX_ID = ValidationLimits.DEFAULT_MAX_ID_LENGTH;
    public static final int MAX_MEMBERS = ValidationLimits.DEFAULT_MAX_GROUP_MEMBERS;
    public static final int MAX_GROUP_RECORD = ValidationLimits.DEFAULT_MAX_GROUP_RECORD_BYTES;
    /** A record many times over every limit that lz4 shrinks to a few KiB: the broker takes it (it limits batches). */
    public static final int GIANT = 5 * MIB;

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String BAD = "@@BAD@@";
    private static final String ESC = "@@ESC@@";
    private static final byte[] INVALID_BYTE = {'a', (byte) 0xFF, 'b'};

    /** The ids the corpus and the run share. */
    public record Fixture(String run, String prefix, String gateway, String alice, String aliceDevice, String bob,
                          String bobDevice, String carol, long now, ImTopicsProperties topics, int presencePartitions,
                          int groupPartitions) {

        /** @param presencePartitions / groupPartitions the partition counts of those topics on the cluster */
        public static Fixture create(String run, long now, int presencePartitions, int groupPartitions) {
            String p = "hx" + run;
            return new Fixture(run, p, p + "-gw", p + "-alice", p + "-alice-d1", p + "-bob", p + "-bob-d1",
                    p + "-carol", now, new ImTopicsProperties("", "lz4", 2, null, null, null, null, null, null),
                    presencePartitions, groupPartitions);
        }

        public String topic(Target target) {
            return switch (target) {
                case UPSTREAM -> topics.name(TopicKind.UPSTREAM);
                case PRESENCE -> topics.name(TopicKind.PRESENCE);
                case GATEWAY -> topics.name(TopicKind.GATEWAY);
                case GROUP -> topics.name(TopicKind.GROUP);
                case HTTP -> throw new IllegalArgumentException("HTTP has no topic");
            };
        }

        public String dlq(Target target) {
            return switch (target) {
                case UPSTREAM, HTTP -> topics.dlqTopic(TopicKind.UPSTREAM);
                case PRESENCE -> topics.dlqTopic(TopicKind.PRESENCE);
                case GROUP -> topics.dlqTopic(TopicKind.GROUP);
                case GATEWAY -> topics.dlqTopic(TopicKind.GATEWAY);
            };
        }

        /** The gateway's downstream topic (bob's deliveries). */
        public String gatewayTopic() {
            return topics.downstreamTopic(gateway);
        }
    }

    private final Fixture fx;
    private final List<HostileRecord> records = new ArrayList<>();
    /** Groups the corpus creates (SETUP) and later messages address. */
    private final String group100k;
    private final String group128;
    private final String groupSmall;
    private final String groupTomb;
    private final String groupNul;
    private final String gatewayTomb;

    private HostileCorpus(Fixture fx) {
        this.fx = fx;
        this.group100k = fx.prefix + "-g100k";
        this.group128 = fx.prefix + "-g" + "8".repeat(MAX_ID - fx.prefix.length() - 2);
        this.groupSmall = fx.prefix + "-gsmall";
        this.groupTomb = fx.prefix + "-gtomb";
        this.groupNul = fx.prefix + "-gnul";
        this.gatewayTomb = fx.prefix + "-g-tomb";
    }

    public static HostileCorpus build(Fixture fixture) {
        HostileCorpus corpus = new HostileCorpus(fixture);
        corpus.groups();
        corpus.upstream();
        corpus.presence();
        corpus.gateways();
        corpus.http();
        corpus.last();
        corpus.canaries();
        return corpus;
    }

    public Fixture fixture() {
        return fx;
    }

    public List<HostileRecord> records() {
        return Collections.unmodifiableList(records);
    }

    /** The hostile records (canaries not counted). */
    public List<HostileRecord> hostile() {
        return records.stream().filter(r -> r.phase() != Phase.CANARY).toList();
    }

    /** Gateway records the corpus sends in SETUP so that MAIN can delete them (the fixture's own heartbeats aside). */
    public String gatewayToDelete() {
        return gatewayTomb;
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static byte[] json(Object value) {
        return JSON.writeValueAsBytes(value);
    }

    private static byte[] utf8(String s) {
        return Bytes.utf8(s);
    }

    /** Kafka's default partitioner for a key. */
    static int partitionOf(byte[] key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }

    private String mid(String id) {
        return fx.prefix + "-" + id;
    }

    private String conv(String id) {
        return fx.prefix + "-c-" + id;
    }

    /** A valid single-chat message from alice to bob, in a conversation of its own. */
    private Map<String, Object> message(String id) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("message_id", mid(id));
        m.put("from_user_id", fx.alice);
        m.put("to_user_id", fx.bob);
        m.put("conversation_id", conv(id));
        m.put("content", "hostile corpus " + id);
        m.put("message_type", "text");
        m.put("metadata", new LinkedHashMap<String, Object>());
        m.put("gateway_id", fx.gateway);
        m.put("device_id", fx.aliceDevice);
        m.put("timestamp", fx.now);
        m.put("version", "1.0");
        return m;
    }

    private Map<String, Object> message(String id, Consumer<Map<String, Object>> change) {
        Map<String, Object> m = message(id);
        change.accept(m);
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> metadata(Map<String, Object> m) {
        return (Map<String, Object>) m.get("metadata");
    }

    /** Persisted and delivered to bob: what a valid message from alice to bob must come to. */
    private Expectation.Processed delivered(Map<String, Object> m) {
        String from = (String) m.get("from_user_id");
        String id = (String) m.get("message_id");
        return new Expectation.Processed(List.of(new Persisted(from, id, (String) m.get("conversation_id")),
                new Delivered(from, id, fx.bob, fx.bobDevice)));
    }

    private Expectation.DeadLettered dead(Target target, ReasonCode reason, Effect... effects) {
        return new Expectation.DeadLettered(fx.dlq(target), reason, List.of(effects));
    }

    /** Dead-lettered by the router, and the message (alice's id) never stored. */
    private Expectation.DeadLettered deadMessage(String id, ReasonCode reason, Effect... more) {
        List<Effect> effects = new ArrayList<>(List.of(more));
        effects.add(new NotPersisted(fx.alice, mid(id)));
        return new Expectation.DeadLettered(fx.dlq(Target.UPSTREAM), reason, effects);
    }

    private void add(String id, Target target, String description, byte[] key, byte[] value, List<Header> headers,
                     Integer partition, Phase phase, Expectation expected, String gap) {
        for (HostileRecord r : records) {
            if (r.id().equals(id)) {
                throw new IllegalStateException("duplicate corpus id " + id);
            }
        }
        records.add(new HostileRecord(id, target, description, key, value, headers, partition,
                target == Target.HTTP ? HttpSpec.JSON : null, phase, expected, gap));
    }

    private void topic(String id, Target target, String description, byte[] key, byte[] value, Expectation expected) {
        add(id, target, description, key, value, List.of(), null, Phase.MAIN, expected, null);
    }

    // ---- upstream (im-upstream-topic, key from_user_id) ------------------------------------------------------

    private void up(String id, String description, Map<String, Object> m, Expectation expected) {
        topic(id, Target.UPSTREAM, description, utf8((String) m.get("from_user_id")), json(m), expected);
    }

    private void upBytes(String id, String description, byte[] value, Expectation expected) {
        topic(id, Target.UPSTREAM, description, utf8(fx.alice), value, expected);
    }

    /** A message whose {@code metadata.pad} makes its value exactly {@code size} bytes. */
    private Map<String, Object> padded(String id, int size) {
        Map<String, Object> m = message(id);
        metadata(m).put("pad", "");
        int base = json(m).length;
        metadata(m).put("pad", "p".repeat(size - base));
        int actual = json(m).length;
        if (actual != size) {
            throw new IllegalStateException("padding " + id + " came to " + actual + " bytes, not " + size);
        }
        return m;
    }

    private void upstream() {
        Target u = Target.UPSTREAM;
        Map<String, Object> control = message("u-control");
        up("u-control", "a valid message (control)", control, delivered(control));

        // Reproduction 1: a valid message just under the validator's 1 MiB, text with padded metadata.
        Map<String, Object> repro1 = padded("u-repro1-1048000", 1_048_000);
        up("u-repro1-1048000", "REPRO 1: valid text message of 1,048,000 bytes (metadata padded)", repro1,
                delivered(repro1));
        // Record size at the limit.
        for (int delta : new int[] {-1, 0}) {
            Map<String, Object> m = padded("u-record-" + (MAX_RECORD + delta), MAX_RECORD + delta);
            up("u-record-" + (MAX_RECORD + delta), "record of " + (MAX_RECORD + delta) + " bytes (1 MiB "
                    + (delta == 0 ? "exactly" : "- 1") + ")", m, delivered(m));
        }
        Map<String, Object> over = padded("u-record-" + (MAX_RECORD + 1), MAX_RECORD + 1);
        up("u-record-" + (MAX_RECORD + 1), "record of 1 MiB + 1 byte", over,
                deadMessage("u-record-" + (MAX_RECORD + 1), TOO_LARGE));

        // Content size at the limit, in 1-, 3- and 4-byte characters.
        for (int size : new int[] {MAX_CONTENT - 1, MAX_CONTENT}) {
            Map<String, Object> m = message("u-content-" + size, x -> x.put("content", "c".repeat(size)));
            up("u-content-" + size, "content of " + size + " bytes (64 KiB" + (size == MAX_CONTENT ? ")" : " - 1)"),
                    m, delivered(m));
        }
        up("u-content-65537", "content of 64 KiB + 1 byte", message("u-content-65537",
                x -> x.put("content", "c".repeat(MAX_CONTENT + 1))), deadMessage("u-content-65537", TOO_LARGE));
        String cjk = "消".repeat(MAX_CONTENT / 3) + "c";
        Map<String, Object> cjkAt = message("u-content-cjk-65536", x -> x.put("content", cjk));
        up("u-content-cjk-65536", "content of 64 KiB in 3-byte characters (21,845 x U+6D88 + 1 byte)", cjkAt,
                delivered(cjkAt));
        up("u-content-cjk-65537", "content of 64 KiB + 1 byte in 3-byte characters", message("u-content-cjk-65537",
                x -> x.put("content", cjk + "c")), deadMessage("u-content-cjk-65537", TOO_LARGE));
        String emoji = "\uD83D\uDE00".repeat(MAX_CONTENT / 4);
        Map<String, Object> emojiAt = message("u-content-emoji-65536", x -> x.put("content", emoji));
        up("u-content-emoji-65536", "content of 64 KiB in 4-byte characters (16,384 emoji, 32,768 UTF-16 units)",
                emojiAt, delivered(emojiAt));
        up("u-content-emoji-65537", "content of 64 KiB + 1 byte in 4-byte characters",
                message("u-content-emoji-65537", x -> x.put("content", emoji + "c")),
                deadMessage("u-content-emoji-65537", TOO_LARGE));

        // Id lengths: 128 characters (the limit) accepted, 129 refused; message_id also at 127.
        Map<String, Object> id127 = message("x", x -> x.put("message_id", fx.prefix + "-u-id127-"
                + "i".repeat(MAX_ID - 1 - (fx.prefix + "-u-id127-").length())));
        up("u-message_id-127", "message_id of 127 characters", id127, delivered(id127));
        Map<String, Object> id128 = message("x", x -> x.put("message_id", fx.prefix + "-u-id128-"
                + "i".repeat(MAX_ID - (fx.prefix + "-u-id128-").length())));
        up("u-message_id-128", "message_id of 128 characters", id128, delivered(id128));
        up("u-message_id-129", "message_id of 129 characters", message("u-message_id-129", x -> x.put("message_id",
                fx.prefix + "-" + "i".repeat(MAX_ID + 1 - fx.prefix.length() - 1))),
                deadMessage("u-message_id-129", INVALID_FIELD));
        String from128 = fx.prefix + "-from-" + "f".repeat(MAX_ID - fx.prefix.length() - 6);
        Map<String, Object> f128 = message("u-from-128", x -> x.put("from_user_id", from128));
        up("u-from_user_id-128", "from_user_id of 128 characters", f128, delivered(f128));
        up("u-from_user_id-129", "from_user_id of 129 characters", message("u-from-129",
                x -> x.put("from_user_id", from128 + "f")), deadMessage("u-from-129", INVALID_FIELD));
        String to128 = fx.prefix + "-to-" + "t".repeat(MAX_ID - fx.prefix.length() - 4);
        Map<String, Object> t128 = message("u-to-128", x -> x.put("to_user_id", to128));
        up("u-to_user_id-128", "to_user_id of 128 characters (offline: one push)", t128,
                new Expectation.Processed(List.of(new Persisted(fx.alice, mid("u-to-128"), conv("u-to-128")),
                        new Effect.Pushed(fx.alice, mid("u-to-128"), 1))));
        up("u-to_user_id-129", "to_user_id of 129 characters", message("u-to-129",
                x -> x.put("to_user_id", to128 + "t")), deadMessage("u-to-129", INVALID_FIELD));
        String conv128 = fx.prefix + "-conv-" + "v".repeat(MAX_ID - fx.prefix.length() - 6);
        Map<String, Object> c128 = message("u-conv-128", x -> x.put("conversation_id", conv128));
        up("u-conversation_id-128", "conversation_id of 128 characters", c128, delivered(c128));
        up("u-conversation_id-129", "conversation_id of 129 characters", message("u-conv-129",
                x -> x.put("conversation_id", conv128 + "v")), deadMessage("u-conv-129", INVALID_FIELD));
        Map<String, Object> g128 = message("u-group-128", x -> {
            x.remove("to_user_id");
            x.put("group_id", group128);
        });
        up("u-group_id-128", "group message to a group whose id has 128 characters (bob a member)", g128,
                delivered(g128));
        up("u-group_id-129", "group_id of 129 characters", message("u-group-129", x -> {
            x.remove("to_user_id");
            x.put("group_id", group128 + "8");
        }), deadMessage("u-group-129", INVALID_FIELD));
        String dev128 = "d".repeat(MAX_ID);
        Map<String, Object> d128 = message("u-device-128", x -> x.put("device_id", dev128));
        up("u-device_id-128", "device_id of 128 characters", d128, delivered(d128));
        up("u-device_id-129", "device_id of 129 characters", message("u-device-129",
                x -> x.put("device_id", dev128 + "d")), deadMessage("u-device-129", INVALID_FIELD));
        String gw128 = "w".repeat(MAX_ID);
        Map<String, Object> w128 = message("u-gateway-128", x -> x.put("gateway_id", gw128));
        up("u-gateway_id-128", "gateway_id of 128 characters", w128, delivered(w128));
        up("u-gateway_id-129", "gateway_id of 129 characters", message("u-gateway-129",
                x -> x.put("gateway_id", gw128 + "w")), deadMessage("u-gateway-129", INVALID_FIELD));
        up("u-gateway_id-unsafe", "gateway_id unsafe in a topic name (gw/1)", message("u-gateway-unsafe",
                x -> x.put("gateway_id", "gw/1")), deadMessage("u-gateway-unsafe", INVALID_FIELD));

        // NUL and invalid UTF-8 in every field (and a metadata key), one record each.
        List<String> fields = List.of("message_id", "from_user_id", "to_user_id", "conversation_id", "content",
                "message_type", "gateway_id", "device_id", "version", "group_id", "metadata.format", "metadata key");
        for (String field : fields) {
            String slug = field.replace("metadata.", "meta-").replace(' ', '-').replace('_', '-');
            String nulId = "u-nul-" + slug;
            String desc = field.equals("content") ? "REPRO 4: NUL in content" : "NUL (\\u0000) in " + field;
            up(nulId, desc, withField(message(nulId), field, "x\u0000y"), deadMessage(nulId, INVALID_FIELD));
            String badId = "u-badutf8-" + slug;
            upBytes(badId, "invalid UTF-8 (0xFF) in " + field, Bytes.replace(json(withField(message(badId), field,
                    BAD)), BAD, INVALID_BYTE), deadMessage(badId, INVALID_ENCODING));
        }
        badContent("u-overlong-nul", "overlong NUL (0xC0 0x80, modified UTF-8) in content",
                new byte[] {'a', (byte) 0xC0, (byte) 0x80}, INVALID_ENCODING);
        badContent("u-cesu-surrogate", "a UTF-16 surrogate encoded as UTF-8 (CESU-8: 0xED 0xA0 0x80) in content",
                new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, INVALID_ENCODING);
        badContent("u-truncated-utf8", "a truncated 3-byte sequence (0xE6 0xB6) at the end of content",
                new byte[] {'a', (byte) 0xE6, (byte) 0xB6}, INVALID_ENCODING);
        badContent("u-above-10ffff", "a code point above U+10FFFF (0xF4 0x90 0x80 0x80) in content",
                new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, INVALID_ENCODING);
        badContent("u-lone-continuation", "a lone continuation byte (0x80) in content", new byte[] {(byte) 0x80},
                INVALID_ENCODING);
        badContent("u-raw-nul-byte", "a raw NUL byte inside a JSON string (unescaped control character)",
                new byte[] {'a', 0, 'b'}, MALFORMED_JSON);
        escContent("u-surrogate-high", "an unpaired high surrogate escape (\\ud800) in content", "\\ud800", "content");
        escContent("u-surrogate-low", "an unpaired low surrogate escape (\\udc00) in message_id", "\\udc00",
                "message_id");

        // Keys: the router re-keys by from_user_id whatever the key was.
        Map<String, Object> k1 = message("u-key-null");
        topic("u-key-null", u, "no key (null), valid message", null, json(k1), delivered(k1));
        Map<String, Object> k2 = message("u-key-empty");
        topic("u-key-empty", u, "empty key, valid message", new byte[0], json(k2), delivered(k2));
        Map<String, Object> k3 = message("u-key-huge");
        topic("u-key-huge", u, "key of 1 MiB, valid message", Bytes.repeat('k', MIB), json(k3), delivered(k3));
        Map<String, Object> k4 = message("u-key-nul");
        topic("u-key-nul", u, "NUL in the key, valid message", utf8(fx.alice + "\u0000"), json(k4), delivered(k4));
        Map<String, Object> k5 = message("u-key-badutf8");
        topic("u-key-badutf8", u, "invalid UTF-8 key, valid message", INVALID_BYTE, json(k5), delivered(k5));
        Map<String, Object> k6 = message("u-key-other");
        topic("u-key-other", u, "key is another user (bob), valid message", utf8(fx.bob), json(k6), delivered(k6));
        topic("u-key-empty-notjson", u, "empty key, value `not json`", new byte[0], utf8("not json"),
                dead(u, MALFORMED_JSON, new Effect.KeyKept(new byte[0])));
        topic("u-key-huge-notjson", u, "key of 1 MiB, value `not json`", Bytes.repeat('k', MIB), utf8("not json"),
                dead(u, MALFORMED_JSON, new Effect.KeyKept(Bytes.repeat('k', MIB))));
        add("u-key-badutf8-notjson", u, "invalid UTF-8 key, value `not json`", INVALID_BYTE, utf8("not json"),
                List.of(), null, Phase.MAIN, dead(u, MALFORMED_JSON, new Effect.KeyKept(Bytes.utf8("a\uFFFDb"),
                        "key stored as a U+FFFD b (0xFF re-encoded)")),
                "the dead letter's key is not the original bytes: Kafka Streams reads keys as Strings (0xFF becomes"
                        + " U+FFFD); the contract says the original key, unchanged");

        // Headers.
        byte[] nulName = utf8("x-hostile\u0000name");
        byte[] badName = {'x', '-', (byte) 0xFF, (byte) 0xFE, 'n'};
        Map<String, Object> h1 = message("u-hname-nul");
        add("u-hname-nul", u, "NUL in a header name, valid message", utf8(fx.alice), json(h1),
                List.of(new Header(nulName, utf8("v"))), null, Phase.MAIN, delivered(h1), null);
        Map<String, Object> h2 = message("u-hname-badutf8");
        add("u-hname-badutf8", u, "invalid UTF-8 in a header name (raw produce), valid message", utf8(fx.alice),
                json(h2), List.of(new Header(badName, utf8("v"))), null, Phase.MAIN, delivered(h2), null);
        Map<String, Object> h3 = message("u-hvalue-nul");
        add("u-hvalue-nul", u, "NUL in a header value, valid message", utf8(fx.alice), json(h3),
                List.of(Header.of("x-hostile", utf8("a\u0000b"))), null, Phase.MAIN, delivered(h3), null);
        Map<String, Object> h4 = message("u-hvalue-badutf8");
        add("u-hvalue-badutf8", u, "invalid UTF-8 in a header value, valid message", utf8(fx.alice), json(h4),
                List.of(Header.of("x-hostile", INVALID_BYTE)), null, Phase.MAIN, delivered(h4), null);
        add("u-repro2-hname-nul-notjson", u, "REPRO 2: NUL in a header NAME, value `not json`", utf8(fx.alice),
                utf8("not json"), List.of(new Header(nulName, utf8("v"))), null, Phase.MAIN,
                dead(u, MALFORMED_JSON, new Effect.HeaderNameKept(nulName)), null);
        add("u-hname-badutf8-notjson", u, "invalid UTF-8 in a header name (raw produce), value `not json`",
                utf8(fx.alice), utf8("not json"), List.of(new Header(badName, utf8("v"))), null, Phase.MAIN,
                dead(u, MALFORMED_JSON), "the Java client decodes a header name as UTF-8: 0xFF 0xFE reach the apps,"
                        + " and the dead letter, as U+FFFD (documented in docs/dlq-handler.md)");
        Map<String, Object> h5 = message("u-traceparent-badutf8");
        add("u-traceparent-badutf8", u, "traceparent header of invalid UTF-8, valid message", utf8(fx.alice),
                json(h5), List.of(Header.of(ImHeaders.TRACEPARENT, INVALID_BYTE)), null, Phase.MAIN, delivered(h5),
                null);
        Map<String, Object> h6 = message("u-traceparent-nul");
        add("u-traceparent-nul", u, "traceparent header with NUL, valid message", utf8(fx.alice), json(h6),
                List.of(Header.of(ImHeaders.TRACEPARENT, "00-\u0000-\u0000-01")), null, Phase.MAIN, delivered(h6),
                null);
        Map<String, Object> h7 = message("u-traceparent-10k");
        add("u-traceparent-10k", u, "traceparent header of 10 KiB, valid message", utf8(fx.alice), json(h7),
                List.of(Header.of(ImHeaders.TRACEPARENT, "00-" + "f".repeat(10_240))), null, Phase.MAIN,
                delivered(h7), null);
        Map<String, Object> h8 = message("u-replaycount-garbage");
        add("u-replaycount-garbage", u, "im_replay-count header `abc`, valid message", utf8(fx.alice), json(h8),
                List.of(Header.of(ImHeaders.REPLAY_COUNT, "abc")), null, Phase.MAIN, delivered(h8), null);
        Map<String, Object> h9 = message("u-replaycount-badutf8");
        add("u-replaycount-badutf8", u, "im_replay-count header of invalid UTF-8, valid message", utf8(fx.alice),
                json(h9), List.of(Header.of(ImHeaders.REPLAY_COUNT, INVALID_BYTE)), null, Phase.MAIN, delivered(h9),
                null);
        add("u-forged-dlt-notjson", u, "forged dead-letter headers (original topic, partition, offset, reason),"
                        + " value `not json`", utf8(fx.alice), utf8("not json"), forgedDeadLetterHeaders(), null,
                Phase.MAIN, dead(u, MALFORMED_JSON), null);
        Map<String, Object> h10 = message("u-forged-reason-valid");
        add("u-forged-reason-valid", u, "a forged im_dlt-reason header on a valid message", utf8(fx.alice),
                json(h10), List.of(Header.of(ImHeaders.DLT_REASON, "FORGED")), null, Phase.MAIN, delivered(h10),
                null);
        Map<String, Object> h11 = message("u-headers-1000");
        add("u-headers-1000", u, "1,000 headers, valid message", utf8(fx.alice), json(h11), manyHeaders(1_000),
                null, Phase.MAIN, delivered(h11), null);
        add("u-headers-10000-notjson", u, "10,000 headers, value `not json`", utf8(fx.alice), utf8("not json"),
                manyHeaders(10_000), null, Phase.MAIN, dead(u, MALFORMED_JSON), null);
        Map<String, Object> big = padded("u-headers-over-limit", 1_000_000);
        add("u-headers-over-limit", u, "a valid 1,000,000-byte message with a 1,095,000-byte header: its derived"
                        + " records would pass the 2 MiB producer limit", utf8(fx.alice), json(big),
                List.of(Header.of("x-hostile-big", Bytes.repeat('h', 1_095_000))), null, Phase.MAIN,
                deadMessage("u-headers-over-limit", TOO_LARGE), null);

        // Timestamps and numbers.
        Map<String, Object> ts0 = message("u-ts-0", x -> x.put("timestamp", 0L));
        up("u-timestamp-0", "timestamp 0", ts0, delivered(ts0));
        up("u-timestamp-negative", "timestamp -1", message("u-ts-neg", x -> x.put("timestamp", -1L)),
                deadMessage("u-ts-neg", INVALID_FIELD));
        Map<String, Object> ts9999 = message("u-ts-9999", x -> x.put("timestamp", 253_402_300_799_000L));
        up("u-timestamp-9999", "timestamp in year 9999", ts9999, delivered(ts9999));
        Map<String, Object> tsMax = message("u-ts-max", x -> x.put("timestamp", Long.MAX_VALUE));
        up("u-timestamp-long-max", "timestamp Long.MAX_VALUE", tsMax, delivered(tsMax));
        up("u-timestamp-beyond-long", "timestamp 2^63 (beyond long)", message("u-ts-beyond",
                x -> x.put("timestamp", BigInteger.ONE.shiftLeft(63))), deadMessage("u-ts-beyond", INVALID_FIELD));
        up("u-timestamp-fraction", "timestamp 1.5", message("u-ts-frac", x -> x.put("timestamp", 1.5)),
                deadMessage("u-ts-frac", INVALID_FIELD));
        up("u-timestamp-string", "timestamp as a string", message("u-ts-str", x -> x.put("timestamp", "now")),
                deadMessage("u-ts-str", INVALID_FIELD));
        up("u-timestamp-null", "timestamp null", message("u-ts-null", x -> x.put("timestamp", null)),
                deadMessage("u-ts-null", MISSING_FIELD));
        Map<String, Object> past = message("u-deliver-past", x -> x.put("deliver_at", 1L));
        up("u-deliver_at-past", "deliver_at 1 (in the past: delivered at once)", past, delivered(past));
        Map<String, Object> later = message("u-deliver-29d", x -> x.put("deliver_at",
                fx.now + Duration.ofDays(29).toMillis()));
        up("u-deliver_at-29d", "deliver_at 29 days ahead (held)", later, new Expectation.Processed(List.of(
                new Effect.Scheduled(mid("u-deliver-29d")), new NotPersisted(fx.alice, mid("u-deliver-29d")))));
        up("u-deliver_at-31d", "deliver_at 31 days ahead", message("u-deliver-31d", x -> x.put("deliver_at",
                fx.now + Duration.ofDays(31).toMillis())), deadMessage("u-deliver-31d", SCHEDULE_TOO_FAR));
        up("u-deliver_at-long-max", "deliver_at Long.MAX_VALUE", message("u-deliver-max",
                x -> x.put("deliver_at", Long.MAX_VALUE)), deadMessage("u-deliver-max", SCHEDULE_TOO_FAR));
        up("u-deliver_at-negative", "deliver_at -1", message("u-deliver-neg", x -> x.put("deliver_at", -1L)),
                deadMessage("u-deliver-neg", INVALID_FIELD));
        up("u-deliver_at-beyond-long", "deliver_at 2^64", message("u-deliver-beyond",
                x -> x.put("deliver_at", BigInteger.ONE.shiftLeft(64))),
                deadMessage("u-deliver-beyond", INVALID_FIELD));
        up("u-image-size-beyond-long", "image metadata size 10^30 (beyond long)", message("u-image-beyond", x -> {
            x.put("message_type", "image");
            x.put("metadata", new LinkedHashMap<>(Map.of("width", 1, "height", 1, "format", "png",
                    "size", BigInteger.TEN.pow(30))));
        }), deadMessage("u-image-beyond", INVALID_FIELD));
        upBytes("u-location-1e400", "location latitude 1e400 (overflows a double)", Bytes.replace(json(message(
                "u-location-1e400", x -> {
                    x.put("message_type", "location");
                    x.put("metadata", new LinkedHashMap<>(Map.of("latitude", "LAT", "longitude", 1)));
                })), "\"LAT\"", utf8("1e400")), deadMessage("u-location-1e400", INVALID_FIELD));
        Map<String, Object> n30 = message("u-meta-30-digits", x -> metadata(x).put("n", BigInteger.TEN.pow(30)));
        up("u-metadata-30-digits", "a 31-digit integer in metadata (extra keys are allowed)", n30, delivered(n30));
        upBytes("u-metadata-1e400", "1e400 in metadata (overflows a double: would be stored as \"Infinity\")",
                Bytes.replace(json(message("u-meta-1e400", x -> metadata(x).put("n", "NUM"))), "\"NUM\"",
                        utf8("1e400")), deadMessage("u-meta-1e400", INVALID_FIELD));
        upBytes("u-number-2000-digits", "a 2,000-digit number in metadata (over Jackson's 1,000)", Bytes.replace(
                json(message("u-number-2000", x -> metadata(x).put("n", "NUM"))), "\"NUM\"", utf8("9".repeat(2000))),
                deadMessage("u-number-2000", MALFORMED_JSON));

        // Wrong types, required fields, versions, message types.
        up("u-type-message_id-number", "message_id as a number", message("u-type-mid", x -> x.put("message_id", 12)),
                deadMessage("u-type-mid", INVALID_FIELD));
        up("u-type-content-number", "content as a number", message("u-type-content", x -> x.put("content", 12)),
                deadMessage("u-type-content", INVALID_FIELD));
        up("u-type-content-object", "content as an object", message("u-type-content-obj",
                x -> x.put("content", Map.of("a", 1))), deadMessage("u-type-content-obj", INVALID_FIELD));
        up("u-type-metadata-string", "metadata as a string", message("u-type-meta", x -> x.put("metadata", "x")),
                deadMessage("u-type-meta", INVALID_FIELD));
        up("u-type-metadata-array", "metadata as an array", message("u-type-meta-arr",
                x -> x.put("metadata", List.of(1))), deadMessage("u-type-meta-arr", INVALID_FIELD));
        up("u-type-to_user_id-array", "to_user_id as an array", message("u-type-to",
                x -> x.put("to_user_id", List.of(fx.bob))), deadMessage("u-type-to", INVALID_FIELD));
        up("u-type-to_user_id-100000", "to_user_id as an array of 100,000 ids", message("u-type-to-100k",
                x -> x.put("to_user_id", Collections.nCopies(100_000, "u"))), deadMessage("u-type-to-100k",
                INVALID_FIELD));
        up("u-type-version-number", "version as a number", message("u-type-version", x -> x.put("version", 1.0)),
                deadMessage("u-type-version", INVALID_FIELD));
        up("u-type-message_type-bool", "message_type true", message("u-type-mtype",
                x -> x.put("message_type", true)), deadMessage("u-type-mtype", INVALID_FIELD));
        up("u-image-width-string", "image metadata width as a string", message("u-image-width", x -> {
            x.put("message_type", "image");
            x.put("metadata", new LinkedHashMap<>(Map.of("width", "wide", "height", 1, "size", 1, "format", "png")));
        }), deadMessage("u-image-width", INVALID_FIELD));
        up("u-system-notice", "message_type system_notice (the pipeline's own)", message("u-system-notice",
                x -> x.put("message_type", "system_notice")), deadMessage("u-system-notice", INVALID_FIELD));
        up("u-unknown-type", "message_type sticker", message("u-sticker", x -> x.put("message_type", "sticker")),
                deadMessage("u-sticker", INVALID_FIELD));
        up("u-version-2", "version 2.0", message("u-version-2", x -> x.put("version", "2.0")),
                deadMessage("u-version-2", UNSUPPORTED_VERSION));
        up("u-missing-content", "no content", message("u-no-content", x -> x.remove("content")),
                deadMessage("u-no-content", MISSING_FIELD));
        up("u-no-recipient", "neither to_user_id nor group_id", message("u-no-recipient", x -> x.remove("to_user_id")),
                deadMessage("u-no-recipient", MISSING_FIELD));
        up("u-both-recipients", "both to_user_id and group_id", message("u-both", x -> x.put("group_id", groupSmall)),
                deadMessage("u-both", INVALID_FIELD));

        // JSON structure.
        upBytes("u-not-json", "value `not json`", utf8("not json"), dead(u, MALFORMED_JSON));
        upBytes("u-duplicate-key", "duplicate key (message_id twice)", Bytes.replace(json(message("u-dup",
                x -> x.put("zz_dup", "x"))), "\"zz_dup\":\"x\"", utf8("\"message_id\":\"" + mid("u-dup2") + "\"")),
                deadMessage("u-dup", MALFORMED_JSON, new NotPersisted(fx.alice, mid("u-dup2"))));
        upBytes("u-duplicate-key-metadata", "duplicate key inside metadata", Bytes.replace(json(message("u-dup-meta",
                x -> metadata(x).put("k", "DUP"))), "\"DUP\"", utf8("1,\"k\":2")), deadMessage("u-dup-meta",
                MALFORMED_JSON));
        upBytes("u-nested-10000", "JSON nested 10,000 deep", deep(10_000), dead(u, MALFORMED_JSON));
        upBytes("u-nested-10000-metadata", "a valid message with JSON nested 10,000 deep in metadata",
                Bytes.replace(json(message("u-nested-meta", x -> metadata(x).put("deep", "DEEP"))), "\"DEEP\"",
                        deep(10_000)), deadMessage("u-nested-meta", MALFORMED_JSON));
        Map<String, Object> arr = message("u-array-100000", x -> metadata(x).put("tags",
                Collections.nCopies(100_000, 1)));
        up("u-array-100000-metadata", "an array of 100,000 elements in metadata", arr, delivered(arr));
        upBytes("u-root-array-100000", "a JSON array of 100,000 elements instead of an object",
                json(Collections.nCopies(100_000, 0)), dead(u, MALFORMED_JSON));
        upBytes("u-root-null", "the JSON literal null", utf8("null"), dead(u, MALFORMED_JSON));
        upBytes("u-root-number", "the JSON number 12", utf8("12"), dead(u, MALFORMED_JSON));
        upBytes("u-truncated", "truncated JSON", java.util.Arrays.copyOf(json(message("u-truncated")), 40),
                deadMessage("u-truncated", MALFORMED_JSON));
        upBytes("u-empty-value", "empty value (0 bytes)", new byte[0], dead(u, EMPTY_RECORD));
        topic("u-tombstone", u, "tombstone (null value) where none is expected", utf8(fx.alice), null,
                dead(u, EMPTY_RECORD));

        // Reproduction 5: one message_id, two senders, two conversations: both delivered and both stored.
        String shared = mid("u-repro5-shared-id");
        Map<String, Object> r5a = message("u-repro5-a", x -> x.put("message_id", shared));
        Map<String, Object> r5b = message("u-repro5-b", x -> {
            x.put("message_id", shared);
            x.put("from_user_id", fx.carol);
        });
        up("u-repro5-alice", "REPRO 5: message_id M from alice in conversation A", r5a, withHistory(delivered(r5a),
                r5a));
        up("u-repro5-carol", "REPRO 5: the same message_id M from carol in conversation B", r5b,
                withHistory(delivered(r5b), r5b));

        // Group messages.
        for (int i = 1; i <= 2; i++) {
            Map<String, Object> m = message("u-group-100k-" + i, x -> {
                x.remove("to_user_id");
                x.put("group_id", group100k);
            });
            List<Effect> effects = new ArrayList<>(delivered(m).effects());
            effects.add(new Effect.Pushed(fx.alice, (String) m.get("message_id"), MAX_MEMBERS - 1));
            up("u-group-100k-msg" + i, "message " + i + " to the 100,000-member group (bob online, 99,999 pushes)",
                    m, new Expectation.Processed(effects));
        }
        Map<String, Object> small = message("u-group-small", x -> {
            x.remove("to_user_id");
            x.put("group_id", groupSmall);
        });
        up("u-group-small-msg", "message to a 2-member group (bob online, carol pushed)", small,
                new Expectation.Processed(List.of(delivered(small).effects().get(0), delivered(small).effects().get(1),
                        new Effect.Pushed(fx.alice, (String) small.get("message_id"), 1))));
        up("u-group-unknown", "message to a group nobody created", message("u-group-unknown", x -> {
            x.remove("to_user_id");
            x.put("group_id", fx.prefix + "-nogroup");
        }), deadMessage("u-group-unknown", UNKNOWN_GROUP));
        // Messages to groups whose only record the router's table cannot use: sent LAST, after those records.
        Map<String, Object> toNul = message("u-group-nul", x -> {
            x.remove("to_user_id");
            x.put("group_id", groupNul);
        });
        add("u-group-never-valid", Target.UPSTREAM, "message to the group of reproduction 3 (its only record had a"
                + " NUL member)", utf8(fx.alice), json(toNul), List.of(), null, Phase.LAST,
                deadMessage("u-group-nul", UNKNOWN_GROUP, new Effect.ReadUnreadableGroup(groupNul)), null);
        Map<String, Object> toVictim = message("u-group-victim", x -> {
            x.remove("to_user_id");
            x.put("group_id", grp("victim"));
        });
        add("u-group-key-mismatch", Target.UPSTREAM, "message to a group whose key holds another group's record"
                        + " (gr-key-other)", utf8(fx.alice), json(toVictim), List.of(), null, Phase.LAST,
                deadMessage("u-group-victim", UNKNOWN_GROUP, new Effect.ReadUnreadableGroup(grp("victim"))), null);
    }

    private Expectation withHistory(Expectation.Processed p, Map<String, Object> m) {
        List<Effect> effects = new ArrayList<>(p.effects());
        effects.add(new Effect.HistoryRow((String) m.get("conversation_id"), (String) m.get("from_user_id"),
                (String) m.get("message_id")));
        return new Expectation.Processed(effects);
    }

    /** A message with {@code field} set to {@code value} ("metadata key": a key of metadata; group_id: to a group). */
    private Map<String, Object> withField(Map<String, Object> m, String field, String value) {
        switch (field) {
            case "metadata.format" -> metadata(m).put("format", value);
            case "metadata key" -> metadata(m).put(value, "v");
            case "group_id" -> {
                m.remove("to_user_id");
                m.put("group_id", value);
            }
            default -> m.put(field, value);
        }
        return m;
    }

    private void badContent(String id, String description, byte[] bytes, ReasonCode reason) {
        upBytes(id, description, Bytes.replace(json(message(id, x -> x.put("content", BAD))), BAD, bytes),
                deadMessage(id, reason));
    }

    private void escContent(String id, String description, String escape, String field) {
        upBytes(id, description, Bytes.replace(json(message(id, x -> x.put(field, "a" + ESC))), ESC, utf8(escape)),
                deadMessage(id, INVALID_FIELD));
    }

    private List<Header> forgedDeadLetterHeaders() {
        return List.of(Header.of(DeadLetterHeaders.DLT_ORIGINAL_TOPIC, "im-downstream-topic-forged"),
                Header.of(DeadLetterHeaders.DLT_ORIGINAL_PARTITION, new byte[] {0, 0, 0, 7}),
                Header.of(DeadLetterHeaders.DLT_ORIGINAL_OFFSET, new byte[] {0, 0, 0, 0, 0, 0, 0, 42}),
                Header.of(ImHeaders.DLT_REASON, "FORGED"), Header.of(ImHeaders.DLT_STAGE, "forged"));
    }

    private static List<Header> manyHeaders(int n) {
        List<Header> headers = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            headers.add(Header.of("x-h" + i, "v" + i));
        }
        return headers;
    }

    private static byte[] deep(int depth) {
        return utf8("{\"a\":".repeat(depth) + "1" + "}".repeat(depth));
    }

    // ---- presence (im-presence-topic, key user_id) -----------------------------------------------------------

    private String user(String id) {
        return fx.prefix + "-p-" + id;
    }

    private Map<String, Object> presenceEvent(String id) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("user_id", user(id));
        m.put("device_id", user(id) + "-d");
        m.put("gateway_id", fx.gateway);
        m.put("status", "online");
        m.put("timestamp", fx.now);
        return m;
    }

    private Map<String, Object> presenceEvent(String id, Consumer<Map<String, Object>> change) {
        Map<String, Object> m = presenceEvent(id);
        change.accept(m);
        return m;
    }

    private Expectation online(Map<String, Object> m) {
        return new Expectation.Processed(List.of(new PresenceOnline((String) m.get("user_id"),
                (String) m.get("device_id"), (String) m.get("gateway_id"))));
    }

    private Expectation deadPresence(String id, ReasonCode reason) {
        return dead(Target.PRESENCE, reason, new PresenceAbsent(user(id)));
    }

    /** An event keyed by its user_id (so that only the value decides), or by {@code user(id)} when it has none. */
    private void pr(String id, String description, Map<String, Object> m, Expectation expected) {
        topic("p-" + id, Target.PRESENCE, description, utf8(keyOf(m, id)), json(m), expected);
    }

    /** A bad event keyed by its user_id: dead-lettered with {@code reason}, nothing stored for that user. */
    private void prBad(String id, String description, Map<String, Object> m, ReasonCode reason) {
        String key = keyOf(m, id);
        topic("p-" + id, Target.PRESENCE, description, utf8(key), json(m), dead(Target.PRESENCE, reason,
                new PresenceAbsent(key)));
    }

    private String keyOf(Map<String, Object> m, String id) {
        return m.get("user_id") instanceof String s ? s : user(id);
    }

    private void prBytes(String id, String description, byte[] value, Expectation expected) {
        topic("p-" + id, Target.PRESENCE, description, utf8(user(id)), value, expected);
    }

    private Map<String, Object> paddedPresence(String id, int size) {
        Map<String, Object> m = presenceEvent(id);
        m.put("pad", "");
        int base = json(m).length;
        m.put("pad", "p".repeat(size - base));
        if (json(m).length != size) {
            throw new IllegalStateException("presence padding came to " + json(m).length);
        }
        return m;
    }

    private void presence() {
        Target p = Target.PRESENCE;
        Map<String, Object> ok = presenceEvent("control");
        pr("control", "a valid online event (control)", ok, online(ok));
        Map<String, Object> unknownGw = presenceEvent("unknown-gw", x -> x.put("gateway_id", fx.prefix + "-nogw"));
        pr("unknown-gateway", "presence on a gateway that never sent a heartbeat", unknownGw, online(unknownGw));
        Map<String, Object> ts0 = presenceEvent("ts0", x -> x.put("timestamp", 0L));
        pr("timestamp-0", "timestamp 0", ts0, online(ts0));
        pr("timestamp-negative", "timestamp -1", presenceEvent("ts-neg", x -> x.put("timestamp", -1L)),
                deadPresence("ts-neg", INVALID_FIELD));
        // Margins well away from the 5-minute skew: the corpus is built a minute or two before it is processed.
        Map<String, Object> soon = presenceEvent("ts-2min", x -> x.put("timestamp",
                fx.now + Duration.ofMinutes(2).toMillis()));
        pr("future-2min", "timestamp 2 minutes ahead (within the 5-minute skew)", soon, online(soon));
        pr("future-30min", "timestamp 30 minutes ahead (beyond the 5-minute skew)", presenceEvent("ts-30min",
                x -> x.put("timestamp", fx.now + Duration.ofMinutes(30).toMillis())),
                deadPresence("ts-30min", INVALID_FIELD));
        pr("timestamp-9999", "timestamp in year 9999", presenceEvent("ts-9999", x -> x.put("timestamp",
                253_402_300_799_000L)), deadPresence("ts-9999", INVALID_FIELD));
        pr("timestamp-long-max", "timestamp Long.MAX_VALUE", presenceEvent("ts-max", x -> x.put("timestamp",
                Long.MAX_VALUE)), deadPresence("ts-max", INVALID_FIELD));
        pr("timestamp-beyond-long", "timestamp 2^63", presenceEvent("ts-beyond", x -> x.put("timestamp",
                BigInteger.ONE.shiftLeft(63))), deadPresence("ts-beyond", INVALID_FIELD));
        pr("timestamp-fraction", "timestamp 1.5", presenceEvent("ts-frac", x -> x.put("timestamp", 1.5)),
                deadPresence("ts-frac", INVALID_FIELD));
        pr("timestamp-string", "timestamp as a string", presenceEvent("ts-str", x -> x.put("timestamp", "now")),
                deadPresence("ts-str", INVALID_FIELD));
        pr("status-unknown", "status away", presenceEvent("away", x -> x.put("status", "away")),
                deadPresence("away", INVALID_FIELD));
        pr("status-number", "status 1", presenceEvent("status-num", x -> x.put("status", 1)),
                deadPresence("status-num", INVALID_FIELD));
        pr("status-missing", "no status", presenceEvent("no-status", x -> x.remove("status")),
                deadPresence("no-status", MISSING_FIELD));
        pr("device-missing", "no device_id", presenceEvent("no-device", x -> x.remove("device_id")),
                deadPresence("no-device", MISSING_FIELD));
        pr("gateway-unsafe", "gateway_id unsafe in a topic name (gw/1)", presenceEvent("gw-unsafe",
                x -> x.put("gateway_id", "gw/1")), deadPresence("gw-unsafe", INVALID_FIELD));
        Map<String, Object> gw128 = presenceEvent("gw128", x -> x.put("gateway_id", "w".repeat(MAX_ID)));
        pr("gateway_id-128", "gateway_id of 128 characters", gw128, online(gw128));
        pr("gateway_id-129", "gateway_id of 129 characters", presenceEvent("gw129",
                x -> x.put("gateway_id", "w".repeat(MAX_ID + 1))), deadPresence("gw129", INVALID_FIELD));
        String u128 = user("u128-") + "u".repeat(MAX_ID - user("u128-").length());
        Map<String, Object> user128 = presenceEvent("u128", x -> x.put("user_id", u128));
        topic("p-user_id-128", p, "user_id of 128 characters", utf8(u128), json(user128), online(user128));
        topic("p-user_id-129", p, "user_id of 129 characters", utf8(u128 + "u"), json(presenceEvent("u129",
                x -> x.put("user_id", u128 + "u"))), dead(p, INVALID_FIELD));
        Map<String, Object> dev128 = presenceEvent("dev128", x -> x.put("device_id", "d".repeat(MAX_ID)));
        pr("device_id-128", "device_id of 128 characters", dev128, online(dev128));
        pr("device_id-129", "device_id of 129 characters", presenceEvent("dev129",
                x -> x.put("device_id", "d".repeat(MAX_ID + 1))), deadPresence("dev129", INVALID_FIELD));

        for (String field : List.of("user_id", "device_id", "gateway_id", "status")) {
            String slug = field.replace('_', '-');
            pr("nul-" + slug, "NUL in " + field, presenceEvent("nul-" + slug, x -> x.put(field, "x\u0000y")),
                    deadPresence("nul-" + slug, INVALID_FIELD));
            prBytes("badutf8-" + slug, "invalid UTF-8 (0xFF) in " + field, Bytes.replace(json(presenceEvent(
                    "badutf8-" + slug, x -> x.put(field, BAD))), BAD, INVALID_BYTE),
                    deadPresence("badutf8-" + slug, INVALID_ENCODING));
        }
        prBytes("overlong-nul", "overlong NUL (0xC0 0x80) in user_id", Bytes.replace(json(presenceEvent(
                "overlong", x -> x.put("user_id", BAD))), BAD, new byte[] {(byte) 0xC0, (byte) 0x80}),
                deadPresence("overlong", INVALID_ENCODING));
        prBytes("cesu-surrogate", "CESU-8 surrogate in device_id", Bytes.replace(json(presenceEvent("cesu",
                x -> x.put("device_id", BAD))), BAD, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}),
                deadPresence("cesu", INVALID_ENCODING));
        prBytes("surrogate-escape", "an unpaired surrogate escape in device_id", Bytes.replace(json(presenceEvent(
                "surrogate", x -> x.put("device_id", "d" + ESC))), ESC, utf8("\\ud800")),
                deadPresence("surrogate", INVALID_FIELD));
        prBytes("raw-nul-byte", "a raw NUL byte inside a JSON string", Bytes.replace(json(presenceEvent("raw-nul",
                x -> x.put("device_id", BAD))), BAD, new byte[] {'a', 0}), deadPresence("raw-nul", MALFORMED_JSON));

        // Keys and partitions: the record key must be the user id, on the partition its user id hashes to.
        Map<String, Object> nullKey = presenceEvent("key-null");
        topic("p-key-null", p, "no key (null)", null, json(nullKey), deadPresence("key-null", INVALID_FIELD));
        topic("p-key-empty", p, "empty key", new byte[0], json(presenceEvent("key-empty")),
                deadPresence("key-empty", INVALID_FIELD));
        topic("p-key-huge", p, "key of 1 MiB", Bytes.repeat('k', MIB), json(presenceEvent("key-huge")),
                deadPresence("key-huge", INVALID_FIELD));
        topic("p-key-other", p, "key is another user", utf8(fx.bob), json(presenceEvent("key-other")),
                deadPresence("key-other", INVALID_FIELD));
        topic("p-key-nul", p, "NUL in the key", utf8(user("key-nul") + "\u0000"), json(presenceEvent("key-nul")),
                deadPresence("key-nul", INVALID_FIELD));
        Map<String, Object> wrong = presenceEvent("wrong-partition");
        byte[] wrongKey = utf8(user("wrong-partition"));
        add("p-wrong-partition", p, "right key, written to another partition than its key hashes to", wrongKey,
                json(wrong), List.of(), (partitionOf(wrongKey, fx.presencePartitions) + 1) % fx.presencePartitions,
                Phase.MAIN, deadPresence("wrong-partition", INVALID_FIELD), null);
        // A key of invalid UTF-8 that decodes (0xFF -> U+FFFD) to the user id: equal as text, hashed elsewhere.
        String replaced = fx.prefix + "-p-\uFFFD";
        String suffix = "";
        byte[] rawKey;
        for (int i = 0; ; i++) {
            suffix = "r" + i;
            rawKey = Bytes.concat(utf8(fx.prefix + "-p-"), new byte[] {(byte) 0xFF}, utf8(suffix));
            if (partitionOf(rawKey, fx.presencePartitions) != partitionOf(utf8(replaced + suffix),
                    fx.presencePartitions)) {
                break;
            }
        }
        String decodedUser = replaced + suffix;
        topic("p-key-badutf8-as-user", p, "a key of invalid UTF-8 that reads as the user id (0xFF as U+FFFD), so the"
                + " record sits on another partition than the user's", rawKey, json(presenceEvent("badkey",
                x -> x.put("user_id", decodedUser))), dead(p, INVALID_FIELD, new PresenceAbsent(decodedUser)));

        topic("p-tombstone", p, "tombstone (null value) where none is expected", utf8(user("tombstone")), null,
                deadPresence("tombstone", EMPTY_RECORD));
        prBytes("empty-value", "empty value (0 bytes)", new byte[0], deadPresence("empty-value", EMPTY_RECORD));
        prBytes("not-json", "value `not json`", utf8("not json"), deadPresence("not-json", MALFORMED_JSON));
        prBytes("duplicate-key", "duplicate key (user_id twice)", Bytes.replace(json(presenceEvent("dup",
                x -> x.put("zz", "x"))), "\"zz\":\"x\"", utf8("\"user_id\":\"" + user("dup2") + "\"")),
                deadPresence("dup", MALFORMED_JSON));
        prBytes("nested-10000", "JSON nested 10,000 deep", deep(10_000), deadPresence("nested-10000", MALFORMED_JSON));
        prBytes("root-array-100000", "a JSON array of 100,000 elements", json(Collections.nCopies(100_000, 0)),
                deadPresence("root-array-100000", MALFORMED_JSON));
        prBytes("root-null", "the JSON literal null", utf8("null"), deadPresence("root-null", MALFORMED_JSON));
        Map<String, Object> extra = presenceEvent("extra-array", x -> x.put("tags", Collections.nCopies(100_000, 1)));
        pr("extra-array-100000", "an extra field holding an array of 100,000 elements", extra, online(extra));
        Map<String, Object> atLimit = paddedPresence("record-1048575", MAX_RECORD - 1);
        pr("record-1048575", "record of 1 MiB - 1 byte (padded with an extra field)", atLimit, online(atLimit));
        pr("record-1048577", "record of 1 MiB + 1 byte", paddedPresence("record-1048577", MAX_RECORD + 1),
                deadPresence("record-1048577", TOO_LARGE));

        pr("status-uppercase", "status ONLINE (values are lower case)", presenceEvent("upper",
                x -> x.put("status", "ONLINE")), deadPresence("upper", INVALID_FIELD));
        pr("user_id-blank", "user_id of blanks (key the same)", presenceEvent("blank", x -> x.put("user_id", "   ")),
                deadPresence("blank", INVALID_FIELD));
        pr("gateway_id-empty", "empty gateway_id", presenceEvent("gw-empty", x -> x.put("gateway_id", "")),
                deadPresence("gw-empty", INVALID_FIELD));
        pr("nul-extra-field-name", "NUL in the name of an extra field", presenceEvent("nul-name",
                x -> x.put("x\u0000", 1)), deadPresence("nul-name", INVALID_FIELD));
        prBytes("number-2000-digits", "a 2,000-digit number in an extra field", Bytes.replace(json(presenceEvent(
                "digits", x -> x.put("n", "NUM"))), "\"NUM\"", utf8("9".repeat(2000))),
                deadPresence("digits", MALFORMED_JSON));
        Map<String, Object> hn = presenceEvent("hname-nul");
        add("p-hname-nul", p, "NUL in a header name, valid event", utf8(user("hname-nul")), json(hn),
                List.of(new Header(utf8("x\u0000n"), utf8("v"))), null, Phase.MAIN, online(hn), null);
        Map<String, Object> hb = presenceEvent("hname-badutf8");
        add("p-hname-badutf8", p, "invalid UTF-8 in a header name (raw produce), valid event",
                utf8(user("hname-badutf8")), json(hb), List.of(new Header(new byte[] {'x', (byte) 0xFF}, utf8("v"))),
                null, Phase.MAIN, online(hb), null);
        Map<String, Object> hv = presenceEvent("hvalue-badutf8");
        add("p-hvalue-badutf8", p, "invalid UTF-8 and NUL in header values, valid event",
                utf8(user("hvalue-badutf8")), json(hv), List.of(Header.of("x-a", INVALID_BYTE),
                        Header.of("x-b", utf8("\u0000"))), null, Phase.MAIN, online(hv), null);
        add("p-hname-nul-notjson", p, "NUL in a header name, value `not json`", utf8(user("hname-nul-nj")),
                utf8("not json"), List.of(new Header(utf8("x\u0000n"), utf8("v"))), null, Phase.MAIN,
                dead(p, MALFORMED_JSON, new Effect.HeaderNameKept(utf8("x\u0000n"))), null);
        add("p-forged-dlt-notjson", p, "forged dead-letter headers, value `not json`", utf8(user("forged")),
                utf8("not json"), forgedDeadLetterHeaders(), null, Phase.MAIN, dead(p, MALFORMED_JSON), null);
        Map<String, Object> many = presenceEvent("headers-10000");
        add("p-headers-10000", p, "10,000 headers, valid event", utf8(user("headers-10000")), json(many),
                manyHeaders(10_000), null, Phase.MAIN, online(many), null);
    }

    // ---- gateway heartbeats (im-gateway-topic, key gateway_id) ---------------------------------------------------

    private static final String DISPATCHER = "downstream-dispatcher";

    private String gw(String id) {
        return fx.prefix + "-g-" + id;
    }

    private Map<String, Object> heartbeat(String id) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gateway_id", gw(id));
        m.put("status", "up");
        m.put("timestamp", fx.now);
        return m;
    }

    private Map<String, Object> heartbeat(String id, Consumer<Map<String, Object>> change) {
        Map<String, Object> m = heartbeat(id);
        change.accept(m);
        return m;
    }

    private Expectation known(Map<String, Object> m) {
        return new Expectation.Processed(List.of(new GatewayKnown((String) m.get("gateway_id"),
                ((Number) m.get("timestamp")).longValue())));
    }

    /** Stored under its key, listed {@code unreadable} with this problem, counted; never a live gateway. */
    private static Expectation unreadable(String key, String problem) {
        return new Expectation.Skipped(DISPATCHER, Expectation.Skipped.UNREADABLE,
                List.of(new Effect.GatewayUnreadable(key, problem)));
    }

    /** A compacted topic refuses a record without a key (the broker, InvalidRecordException): no app sees it. */
    private static final Expectation BROKER_REFUSES_NULL_KEY = new Expectation.BrokerRefused("InvalidRecordException");

    /** A valid heartbeat, keyed by its gateway_id. */
    private void hb(String id, String description, Map<String, Object> m, Expectation expected) {
        topic("g-" + id, Target.GATEWAY, description, utf8((String) m.get("gateway_id")), json(m), expected);
    }

    /** A bad heartbeat under the key {@code gw(id)}: listed unreadable with {@code reason}. */
    private void hbBad(String id, String description, Map<String, Object> m, ReasonCode reason) {
        hbBytes(id, description, json(m), reason);
    }

    private void hbBytes(String id, String description, byte[] value, ReasonCode reason) {
        topic("g-" + id, Target.GATEWAY, description, utf8(gw(id)), value, unreadable(gw(id), reason.name()));
    }

    private void gateways() {
        Target g = Target.GATEWAY;
        // SETUP: a gateway the MAIN phase deletes with a tombstone.
        Map<String, Object> tomb = new LinkedHashMap<>(Map.of("gateway_id", gatewayTomb, "status", "up",
                "timestamp", fx.now));
        add("g-setup-for-tombstone", g, "a valid heartbeat, deleted later by a tombstone", utf8(gatewayTomb),
                json(tomb), List.of(), null, Phase.SETUP, known(tomb), null);

        Map<String, Object> ok = heartbeat("control");
        hb("control", "a valid heartbeat (control)", ok, known(ok));
        Map<String, Object> ts0 = heartbeat("ts0", x -> x.put("timestamp", 0L));
        hb("timestamp-0", "timestamp 0 (known, down)", ts0, known(ts0));
        hbBad("timestamp-negative", "timestamp -1", heartbeat("timestamp-negative", x -> x.put("timestamp", -1L)),
                INVALID_FIELD);
        // Margins well away from the 5-minute skew: the table validates on every read, minutes after the send.
        Map<String, Object> soon = heartbeat("ts-2min", x -> x.put("timestamp",
                fx.now + Duration.ofMinutes(2).toMillis()));
        hb("future-2min", "heartbeat 2 minutes in the future (within the 5-minute skew)", soon, known(soon));
        hbBad("future-60min", "heartbeat 60 minutes in the future", heartbeat("future-60min",
                x -> x.put("timestamp", fx.now + Duration.ofMinutes(60).toMillis())), INVALID_FIELD);
        hbBad("timestamp-9999", "heartbeat from year 9999", heartbeat("timestamp-9999", x -> x.put("timestamp",
                253_402_300_799_000L)), INVALID_FIELD);
        hbBad("timestamp-long-max", "timestamp Long.MAX_VALUE", heartbeat("timestamp-long-max",
                x -> x.put("timestamp", Long.MAX_VALUE)), INVALID_FIELD);
        hbBad("timestamp-beyond-long", "timestamp 2^63", heartbeat("timestamp-beyond-long", x -> x.put("timestamp",
                BigInteger.ONE.shiftLeft(63))), INVALID_FIELD);
        hbBad("timestamp-fraction", "timestamp 1.5", heartbeat("timestamp-fraction", x -> x.put("timestamp", 1.5)),
                INVALID_FIELD);
        hbBad("timestamp-string", "timestamp as a string", heartbeat("timestamp-string",
                x -> x.put("timestamp", "now")), INVALID_FIELD);
        hbBad("timestamp-null", "timestamp null", heartbeat("timestamp-null", x -> x.put("timestamp", null)),
                MISSING_FIELD);
        hbBad("status-unknown", "status sleeping", heartbeat("status-unknown", x -> x.put("status", "sleeping")),
                INVALID_FIELD);
        hbBad("status-number", "status 1", heartbeat("status-number", x -> x.put("status", 1)), INVALID_FIELD);
        hbBad("status-missing", "no status", heartbeat("status-missing", x -> x.remove("status")), MISSING_FIELD);
        hbBad("status-uppercase", "status UP (values are lower case)", heartbeat("status-uppercase",
                x -> x.put("status", "UP")), INVALID_FIELD);
        Map<String, Object> down = heartbeat("down", x -> x.put("status", "down"));
        hb("status-down", "status down", down, known(down));

        int n = 0;
        for (String unsafe : List.of("gw/1", "gw 1", "gw:1", "gw\u00e91", "gw\n1", "../gw", "gw*", "", "   ")) {
            String id = "unsafe-" + (++n);
            String label = unsafe.replace("\n", "\\n");
            hbBad(id, "gateway_id unsafe in a topic name: \"" + label + "\"", heartbeat(id,
                    x -> x.put("gateway_id", unsafe)), INVALID_FIELD);
        }
        String id128 = gw("128-") + "w".repeat(MAX_ID - gw("128-").length());
        Map<String, Object> g128 = heartbeat("128", x -> x.put("gateway_id", id128));
        hb("gateway_id-128", "gateway_id of 128 characters (a topic name of 148)", g128, known(g128));
        topic("g-gateway_id-129", g, "gateway_id of 129 characters (keyed the same)", utf8(id128 + "w"),
                json(heartbeat("129", x -> x.put("gateway_id", id128 + "w"))), unreadable(id128 + "w",
                        INVALID_FIELD.name()));
        Map<String, Object> dot = heartbeat("dot", x -> x.put("gateway_id", fx.prefix + ".gw.c"));
        Map<String, Object> underscore = heartbeat("underscore", x -> x.put("gateway_id", fx.prefix + "_gw_c"));
        hb("collide-dot", "gateway_id with '.' (" + fx.prefix + ".gw.c)", dot, known(dot));
        add("g-collide-underscore", g, "gateway_id that collides with the previous one in Kafka (" + fx.prefix
                        + "_gw_c: '.' and '_' clash in topic names)", utf8(fx.prefix + "_gw_c"), json(underscore),
                List.of(), null, Phase.MAIN, known(underscore), "both ids are valid for the contract, but Kafka"
                        + " refuses a topic whose name differs from an existing one only by '.' vs '_': one of the"
                        + " two gateways never gets its downstream topic (see topic_ready in the observed column)");

        for (String field : List.of("gateway_id", "status")) {
            String slug = field.replace('_', '-');
            hbBad("nul-" + slug, "NUL in " + field, heartbeat("nul-" + slug, x -> x.put(field, "x\u0000y")),
                    INVALID_FIELD);
            hbBytes("badutf8-" + slug, "invalid UTF-8 (0xFF) in " + field, Bytes.replace(json(heartbeat(
                    "badutf8-" + slug, x -> x.put(field, BAD))), BAD, INVALID_BYTE), INVALID_ENCODING);
        }
        hbBytes("overlong-nul", "overlong NUL (0xC0 0x80) in status", Bytes.replace(json(heartbeat("overlong",
                x -> x.put("status", BAD))), BAD, new byte[] {(byte) 0xC0, (byte) 0x80}), INVALID_ENCODING);
        hbBytes("cesu-surrogate", "CESU-8 surrogate bytes in gateway_id", Bytes.replace(json(heartbeat("cesu",
                x -> x.put("gateway_id", BAD))), BAD, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}),
                INVALID_ENCODING);
        hbBytes("surrogate-escape", "an unpaired surrogate escape in gateway_id", Bytes.replace(json(heartbeat(
                "surrogate", x -> x.put("gateway_id", "g" + ESC))), ESC, utf8("\\udc00")), INVALID_FIELD);
        hbBytes("raw-nul-byte", "a raw NUL byte inside a JSON string", Bytes.replace(json(heartbeat("raw-nul",
                x -> x.put("status", BAD))), BAD, new byte[] {'u', 0}), MALFORMED_JSON);
        hbBad("nul-extra-field-name", "NUL in the name of an extra field", heartbeat("nul-name",
                x -> x.put("x\u0000", 1)), INVALID_FIELD);
        hbBytes("number-2000-digits", "a 2,000-digit number in an extra field", Bytes.replace(json(heartbeat(
                "digits", x -> x.put("n", "NUM"))), "\"NUM\"", utf8("9".repeat(2000))), MALFORMED_JSON);

        topic("g-key-null", g, "no key (null), valid heartbeat (the topic is compacted)", null,
                json(heartbeat("key-null")), BROKER_REFUSES_NULL_KEY);
        topic("g-key-empty", g, "empty key, valid heartbeat of another gateway", new byte[0],
                json(heartbeat("key-empty")), unreadable("", "KEY_MISMATCH"));
        topic("g-key-huge", g, "key of 1 MiB, valid heartbeat of another gateway", Bytes.repeat('k', MIB),
                json(heartbeat("key-huge")), unreadable("k".repeat(MIB), "KEY_MISMATCH"));
        topic("g-key-other", g, "a valid heartbeat of one gateway keyed with another's id", utf8(gw("victim")),
                json(heartbeat("key-other")), unreadable(gw("victim"), "KEY_MISMATCH"));
        topic("g-key-nul", g, "NUL in the key, valid heartbeat of the key without it", utf8(gw("key-nul") + "\u0000"),
                json(heartbeat("key-nul")), unreadable(gw("key-nul") + "\u0000", "KEY_MISMATCH"));
        add("g-tombstone", g, "tombstone for a known gateway (where none is expected)", utf8(gatewayTomb), null,
                List.of(), null, Phase.MAIN, new Expectation.Processed(List.of(new GatewayAbsent(gatewayTomb))), null);
        topic("g-tombstone-unknown", g, "tombstone for a gateway nobody announced", utf8(gw("never")), null,
                new Expectation.Processed(List.of(new GatewayAbsent(gw("never")))));
        topic("g-tombstone-null-key", g, "tombstone without a key", null, null, BROKER_REFUSES_NULL_KEY);
        hbBytes("empty-value", "empty value (0 bytes, not a tombstone)", new byte[0], EMPTY_RECORD);
        hbBytes("not-json", "value `not json`", utf8("not json"), MALFORMED_JSON);
        hbBytes("duplicate-key", "duplicate key (gateway_id twice)", Bytes.replace(json(heartbeat("duplicate-key",
                x -> x.put("zz", "x"))), "\"zz\":\"x\"", utf8("\"gateway_id\":\"" + gw("dup2") + "\"")),
                MALFORMED_JSON);
        hbBytes("nested-10000", "JSON nested 10,000 deep", deep(10_000), MALFORMED_JSON);
        hbBytes("root-array-100000", "a JSON array of 100,000 elements", json(Collections.nCopies(100_000, 0)),
                MALFORMED_JSON);
        hbBytes("root-null", "the JSON literal null", utf8("null"), MALFORMED_JSON);
        Map<String, Object> extra = heartbeat("extra-array", x -> x.put("tags", Collections.nCopies(100_000, 1)));
        hb("extra-array-100000", "an extra field holding an array of 100,000 elements", extra, known(extra));
        Map<String, Object> big = heartbeat("record-1048575");
        big.put("pad", "");
        big.put("pad", "p".repeat(MAX_RECORD - 1 - json(big).length));
        hb("record-1048575", "record of 1 MiB - 1 byte (padded with an extra field)", big, known(big));
        Map<String, Object> over = heartbeat("record-1048577");
        over.put("pad", "");
        over.put("pad", "p".repeat(MAX_RECORD + 1 - json(over).length));
        hbBad("record-1048577", "record of 1 MiB + 1 byte", over, TOO_LARGE);

        Map<String, Object> hn = heartbeat("hname-nul");
        add("g-hname-nul", g, "NUL in a header name, valid heartbeat", utf8(gw("hname-nul")), json(hn),
                List.of(new Header(utf8("x\u0000n"), utf8("v"))), null, Phase.MAIN, known(hn), null);
        Map<String, Object> hbad = heartbeat("hname-badutf8");
        add("g-hname-badutf8", g, "invalid UTF-8 in a header name (raw produce), valid heartbeat",
                utf8(gw("hname-badutf8")), json(hbad), List.of(new Header(new byte[] {'x', (byte) 0xFF}, utf8("v"))),
                null, Phase.MAIN, known(hbad), null);
        Map<String, Object> hv = heartbeat("hvalue-badutf8");
        add("g-hvalue-badutf8", g, "invalid UTF-8 and NUL in header values, valid heartbeat",
                utf8(gw("hvalue-badutf8")), json(hv), List.of(Header.of("x-a", INVALID_BYTE),
                        Header.of("x-b", utf8("\u0000"))), null, Phase.MAIN, known(hv), null);
    }

    // ---- groups (im-group-topic, key group_id) -----------------------------------------------------------------

    private String grp(String id) {
        return fx.prefix + "-gr-" + id;
    }

    private Map<String, Object> group(String groupId, List<String> members) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("group_id", groupId);
        m.put("members", members);
        m.put("version", 1);
        m.put("timestamp", fx.now);
        return m;
    }

    private Map<String, Object> group(String id, Consumer<Map<String, Object>> change) {
        Map<String, Object> m = group(grp(id), List.of(fx.bob, fx.carol));
        change.accept(m);
        return m;
    }

    /** {@code n} distinct member ids of 7 characters (so that 100,001 of them stay under 1 MiB), bob first. */
    private List<String> members(int n) {
        List<String> members = new ArrayList<>(n);
        members.add(fx.bob);
        for (int i = 1; i < n; i++) {
            String s = Integer.toString(i, 36);
            members.add(fx.run + "0000".substring(s.length()) + s);
        }
        return members;
    }

    private Expectation applied(Map<String, Object> m) {
        return new Expectation.Processed(List.of(new GroupApplied((String) m.get("group_id"),
                (int) ((List<?>) m.get("members")).stream().distinct().count())));
    }

    private Expectation deadGroup(String groupId, ReasonCode reason, Effect... more) {
        List<Effect> effects = new ArrayList<>(List.of(more));
        effects.add(new GroupAbsent(groupId));
        return new Expectation.DeadLettered(fx.dlq(Target.GROUP), reason, effects);
    }

    private void gr(String id, String description, Map<String, Object> m, Expectation expected) {
        Object groupId = m.get("group_id");
        byte[] key = groupId instanceof String s ? utf8(s) : utf8(grp(id));
        topic("gr-" + id, Target.GROUP, description, key, json(m), expected);
    }

    private void grBytes(String id, String description, byte[] value, Expectation expected) {
        topic("gr-" + id, Target.GROUP, description, utf8(grp(id)), value, expected);
    }

    private void setupGroup(String id, String description, Map<String, Object> m) {
        add(id, Target.GROUP, description, utf8((String) m.get("group_id")), json(m), List.of(), null, Phase.SETUP,
                applied(m), null);
    }

    private void groups() {
        Target g = Target.GROUP;
        setupGroup("gr-100000-members", "a group of 100,000 members (the limit; bob one of them)",
                group(group100k, members(MAX_MEMBERS)));
        setupGroup("gr-99999-members", "a group of 99,999 members", group(grp("99999"), members(MAX_MEMBERS - 1)));
        setupGroup("gr-group_id-128", "a group whose id has 128 characters", group(group128, List.of(fx.bob)));
        setupGroup("gr-small", "a 2-member group (bob, carol)", group(groupSmall, List.of(fx.bob, fx.carol)));
        setupGroup("gr-setup-for-tombstone", "a group deleted later by a tombstone", group(groupTomb,
                List.of(fx.bob)));

        gr("100001-members", "a group of 100,001 members", group(grp("100001"), members(MAX_MEMBERS + 1)),
                deadGroup(grp("100001"), TOO_LARGE));
        gr("repro3-nul-member", "REPRO 3: NUL in a member id", group(groupNul, List.of(fx.bob, "m\u0000x")),
                deadGroup(groupNul, INVALID_FIELD));
        gr("nul-group_id", "NUL in group_id (key without it)", group("nul-gid", x -> x.put("group_id",
                grp("nul-gid") + "\u0000")), deadGroup(grp("nul-gid"), INVALID_FIELD));
        List<String> late = new ArrayList<>(members(1_000));
        late.set(999, "late\u0000nul");
        gr("nul-member-1000th", "NUL in the 1,000th member", group("nul-late", x -> x.put("members", late)),
                deadGroup(grp("nul-late"), INVALID_FIELD));
        grBytes("surrogate-member", "an unpaired surrogate escape in a member id", Bytes.replace(json(group(
                "surrogate-member", x -> x.put("members", List.of(fx.bob, "m" + ESC)))), ESC, utf8("\\ud800")),
                deadGroup(grp("surrogate-member"), INVALID_FIELD));
        grBytes("badutf8-member", "invalid UTF-8 (0xFF) in a member id", Bytes.replace(json(group("badutf8-member",
                x -> x.put("members", List.of(fx.bob, BAD)))), BAD, INVALID_BYTE),
                deadGroup(grp("badutf8-member"), INVALID_ENCODING));
        grBytes("badutf8-group_id", "invalid UTF-8 (0xFF) in group_id", Bytes.replace(json(group("badutf8-gid",
                x -> x.put("group_id", BAD))), BAD, INVALID_BYTE), deadGroup(grp("badutf8-gid"), INVALID_ENCODING));
        grBytes("overlong-member", "overlong NUL (0xC0 0x80) in a member id", Bytes.replace(json(group(
                "overlong-member", x -> x.put("members", List.of(fx.bob, BAD)))), BAD,
                new byte[] {(byte) 0xC0, (byte) 0x80}), deadGroup(grp("overlong-member"), INVALID_ENCODING));
        grBytes("raw-nul-byte", "a raw NUL byte inside a member string", Bytes.replace(json(group("raw-nul",
                x -> x.put("members", List.of(fx.bob, BAD)))), BAD, new byte[] {'m', 0}),
                deadGroup(grp("raw-nul"), MALFORMED_JSON));
        Map<String, Object> m128 = group("member-128", x -> x.put("members", List.of(fx.bob, "m".repeat(MAX_ID))));
        gr("member-128", "a member id of 128 characters", m128, applied(m128));
        gr("member-129", "a member id of 129 characters", group("member-129", x -> x.put("members",
                List.of(fx.bob, "m".repeat(MAX_ID + 1)))), deadGroup(grp("member-129"), INVALID_FIELD));
        topic("gr-group_id-129", g, "group_id of 129 characters", utf8(group128 + "8"), json(group(group128 + "8",
                List.of(fx.bob))), deadGroup(group128 + "8", INVALID_FIELD));
        Map<String, Object> empty = group("empty", x -> x.put("members", List.of()));
        gr("members-empty", "no members ([])", empty, applied(empty));
        Map<String, Object> dups = group("dup-members", x -> x.put("members", List.of(fx.bob, fx.bob, fx.carol)));
        gr("members-duplicated", "a member listed twice", dups, applied(dups));
        gr("members-string", "members as a string", group("members-string", x -> x.put("members", fx.bob)),
                deadGroup(grp("members-string"), INVALID_FIELD));
        gr("members-numbers", "members as numbers", group("members-numbers", x -> x.put("members", List.of(1, 2))),
                deadGroup(grp("members-numbers"), INVALID_FIELD));
        gr("members-null-entry", "a null member", group("members-null", x -> x.put("members",
                java.util.Arrays.asList(fx.bob, null))), deadGroup(grp("members-null"), INVALID_FIELD));
        gr("members-blank", "a blank member", group("members-blank", x -> x.put("members", List.of(fx.bob, "  "))),
                deadGroup(grp("members-blank"), INVALID_FIELD));
        gr("members-100000-numbers", "members: an array of 100,000 numbers", group("members-100k-numbers",
                x -> x.put("members", Collections.nCopies(100_000, 7))), deadGroup(grp("members-100k-numbers"),
                INVALID_FIELD));
        gr("members-missing", "no members", group("members-missing", x -> x.remove("members")),
                deadGroup(grp("members-missing"), MISSING_FIELD));
        topic("gr-group_id-missing", g, "no group_id", utf8(grp("gid-missing")), json(group("gid-missing",
                x -> x.remove("group_id"))), deadGroup(grp("gid-missing"), MISSING_FIELD));
        gr("group_id-number", "group_id as a number", group("gid-number", x -> x.put("group_id", 7)),
                deadGroup(grp("gid-number"), INVALID_FIELD));
        gr("version-missing", "no version", group("version-missing", x -> x.remove("version")),
                deadGroup(grp("version-missing"), INVALID_FIELD));
        gr("version-string", "version as a string", group("version-string", x -> x.put("version", "x")),
                deadGroup(grp("version-string"), INVALID_FIELD));
        gr("version-beyond-long", "version 2^63", group("version-beyond", x -> x.put("version",
                BigInteger.ONE.shiftLeft(63))), deadGroup(grp("version-beyond"), INVALID_FIELD));
        Map<String, Object> ts0 = group("ts0", x -> x.put("timestamp", 0L));
        gr("timestamp-0", "timestamp 0", ts0, applied(ts0));
        gr("timestamp-negative", "timestamp -1", group("ts-neg", x -> x.put("timestamp", -1L)),
                deadGroup(grp("ts-neg"), INVALID_FIELD));
        Map<String, Object> ts9999 = group("ts9999", x -> x.put("timestamp", 253_402_300_799_000L));
        gr("timestamp-9999", "timestamp in year 9999", ts9999, applied(ts9999));
        gr("timestamp-beyond-long", "timestamp 2^63", group("ts-beyond", x -> x.put("timestamp",
                BigInteger.ONE.shiftLeft(63))), deadGroup(grp("ts-beyond"), INVALID_FIELD));
        gr("timestamp-fraction", "timestamp 1.5", group("ts-frac", x -> x.put("timestamp", 1.5)),
                deadGroup(grp("ts-frac"), INVALID_FIELD));
        grBytes("duplicate-key", "duplicate key (members twice)", Bytes.replace(json(group("dup-key",
                x -> x.put("zz", "x"))), "\"zz\":\"x\"", utf8("\"members\":[\"" + fx.carol + "\"]")),
                deadGroup(grp("dup-key"), MALFORMED_JSON));
        grBytes("nested-10000", "JSON nested 10,000 deep", deep(10_000), deadGroup(grp("nested-10000"),
                MALFORMED_JSON));
        grBytes("not-json", "value `not json`", utf8("not json"), deadGroup(grp("not-json"), MALFORMED_JSON));
        grBytes("root-array-100000", "a JSON array of 100,000 elements", json(Collections.nCopies(100_000, 0)),
                deadGroup(grp("root-array-100000"), MALFORMED_JSON));
        grBytes("root-null", "the JSON literal null", utf8("null"), deadGroup(grp("root-null"), MALFORMED_JSON));
        grBytes("empty-value", "empty value (0 bytes, not a tombstone)", new byte[0],
                deadGroup(grp("empty-value"), EMPTY_RECORD));
        // Group records have a limit of their own (im.validation.max-group-record-bytes, 2 MiB).
        for (int size : new int[] {MAX_GROUP_RECORD - 1, MAX_GROUP_RECORD}) {
            Map<String, Object> big = group("record-" + size, x -> x.put("pad", ""));
            big.put("pad", "p".repeat(size - json(big).length));
            gr("record-" + size, "group record of " + size + " bytes (2 MiB" + (size == MAX_GROUP_RECORD ? ")"
                    : " - 1)") + ", padded with an extra field", big, applied(big));
        }
        topic("gr-tombstone", g, "tombstone for an existing group (deletes it)", utf8(groupTomb), null,
                new Expectation.Processed(List.of(new GroupAbsent(groupTomb))));
        topic("gr-tombstone-unknown", g, "tombstone for a group nobody created", utf8(grp("never")), null,
                new Expectation.Processed(List.of(new GroupAbsent(grp("never")))));
        topic("gr-tombstone-null-key", g, "tombstone without a key (the topic is compacted)", null, null,
                BROKER_REFUSES_NULL_KEY);
        topic("gr-key-null", g, "no key (null), valid group (the topic is compacted)", null,
                json(group("key-null", x -> { })), BROKER_REFUSES_NULL_KEY);
        Map<String, Object> emptyKey = group("key-empty", x -> { });
        // A group record whose key is not its group_id: the router's table keeps it under the key (unusable there,
        // KEY_MISMATCH); the task-worker refuses it, so that both views of the groups agree.
        add("gr-key-empty", g, "empty key, valid group", new byte[0], json(emptyKey), List.of(), null, Phase.MAIN,
                deadGroup(grp("key-empty"), INVALID_FIELD), null);
        Map<String, Object> hugeKey = group("key-huge", x -> { });
        add("gr-key-huge", g, "key of 1 MiB, valid group", Bytes.repeat('k', MIB), json(hugeKey), List.of(), null,
                Phase.MAIN, deadGroup(grp("key-huge"), INVALID_FIELD, new Effect.KeyKept(Bytes.repeat('k', MIB))),
                null);
        Map<String, Object> otherKey = group("key-other", x -> x.put("members", List.of(fx.bob)));
        add("gr-key-other", g, "a valid group keyed with another group's id", utf8(grp("victim")), json(otherKey),
                List.of(), null, Phase.MAIN, deadGroup(grp("key-other"), INVALID_FIELD), null);
        add("gr-key-huge-nul-member", g, "key of 1 MiB, a NUL in a member id", Bytes.repeat('k', MIB),
                json(group("key-huge-nul", x -> x.put("members", List.of("a\u0000")))), List.of(), null, Phase.MAIN,
                deadGroup(grp("key-huge-nul"), INVALID_FIELD, new Effect.KeyKept(Bytes.repeat('k', MIB))), null);
        gr("nul-extra-field-name", "NUL in the name of an extra field", group("nul-name", x -> x.put("x\u0000", 1)),
                deadGroup(grp("nul-name"), INVALID_FIELD));
        grBytes("number-2000-digits", "a 2,000-digit number in an extra field", Bytes.replace(json(group("digits",
                x -> x.put("n", "NUM"))), "\"NUM\"", utf8("9".repeat(2000))), deadGroup(grp("digits"),
                MALFORMED_JSON));
        grBytes("cesu-member", "CESU-8 surrogate bytes in a member id", Bytes.replace(json(group("cesu-member",
                x -> x.put("members", List.of(fx.bob, BAD)))), BAD, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}),
                deadGroup(grp("cesu-member"), INVALID_ENCODING));
        topic("gr-group_id-blank", g, "group_id of blanks", utf8("   "), json(group("   ", List.of(fx.bob))),
                new Expectation.DeadLettered(fx.dlq(g), INVALID_FIELD, List.of()));
        Map<String, Object> cjk = group(grp("\u7fa4\u7ec4"), List.of(fx.bob));
        gr("group_id-cjk", "group_id in CJK characters (group ids need not be topic-safe)", cjk, applied(cjk));
        Map<String, Object> hn = group("hname-nul", x -> { });
        add("gr-hname-nul", g, "NUL in a header name, valid group", utf8(grp("hname-nul")), json(hn),
                List.of(new Header(utf8("x\u0000n"), utf8("v"))), null, Phase.MAIN, applied(hn), null);
        Map<String, Object> hbad = group("hname-badutf8", x -> { });
        add("gr-hname-badutf8", g, "invalid UTF-8 in a header name (raw produce), valid group",
                utf8(grp("hname-badutf8")), json(hbad), List.of(new Header(new byte[] {'x', (byte) 0xFF}, utf8("v"))),
                null, Phase.MAIN, applied(hbad), null);
        Map<String, Object> hv = group("hvalue-badutf8", x -> { });
        add("gr-hvalue-badutf8", g, "invalid UTF-8 and NUL in header values, valid group",
                utf8(grp("hvalue-badutf8")), json(hv), List.of(Header.of("x-a", INVALID_BYTE),
                        Header.of("x-b", utf8("\u0000"))), null, Phase.MAIN, applied(hv), null);
        add("gr-hname-nul-nul-member", g, "NUL in a header name and in a member id", utf8(grp("hname-nul-bad")),
                json(group("hname-nul-bad", x -> x.put("members", List.of("a\u0000")))),
                List.of(new Header(utf8("x\u0000n"), utf8("v"))), null, Phase.MAIN,
                deadGroup(grp("hname-nul-bad"), INVALID_FIELD, new Effect.HeaderNameKept(utf8("x\u0000n"))), null);
        add("gr-forged-dlt-notjson", g, "forged dead-letter headers, value `not json`", utf8(grp("forged")),
                utf8("not json"), forgedDeadLetterHeaders(), null, Phase.MAIN, deadGroup(grp("forged"),
                        MALFORMED_JSON), null);
    }

    // ---- HTTP ingress (POST /api/v1/messages on the router) -----------------------------------------------------

    private void http(String id, String description, byte[] body, HttpSpec spec, Expectation expected) {
        for (HostileRecord r : records) {
            if (r.id().equals(id)) {
                throw new IllegalStateException("duplicate corpus id " + id);
            }
        }
        records.add(new HostileRecord(id, Target.HTTP, description, null, body, List.of(), null, spec, Phase.MAIN,
                expected, null));
    }

    private void http(String id, String description, byte[] body, Expectation expected) {
        http(id, description, body, HttpSpec.JSON, expected);
    }

    private static Expectation.Http refused(int status, ReasonCode code) {
        return new Expectation.Http(status, code.name(), null);
    }

    private Expectation.Http accepted(Map<String, Object> m) {
        return new Expectation.Http(202, null, delivered(m));
    }

    private void httpMessage(String id, String description, Map<String, Object> m, Expectation expected) {
        http(id, description, json(m), expected);
    }

    private void http() {
        Map<String, Object> ok = message("h-control");
        httpMessage("h-control", "a valid message (control)", ok, accepted(ok));
        Map<String, Object> a = message("h-batch-a");
        Map<String, Object> b = message("h-batch-b");
        List<Effect> both = new ArrayList<>(delivered(a).effects());
        both.addAll(delivered(b).effects());
        http("h-batch-2", "a batch of two valid messages", json(List.of(a, b)),
                new Expectation.Http(202, null, new Expectation.Processed(both)));
        Map<String, Object> good = message("h-batch-good");
        Map<String, Object> bad = message("h-batch-bad", x -> x.put("content", "a\u0000"));
        http("h-batch-one-nul", "a batch of a valid message and one with NUL in content (all or nothing)",
                json(List.of(good, bad)), new Expectation.Http(400, INVALID_FIELD.name(), new Expectation.Processed(
                        List.of(new NotPersisted(fx.alice, mid("h-batch-good")), new NotPersisted(fx.alice,
                                mid("h-batch-bad"))))));
        List<String> fields = List.of("message_id", "from_user_id", "to_user_id", "conversation_id", "content",
                "message_type", "gateway_id", "device_id", "version", "group_id", "metadata.format", "metadata key");
        for (String field : fields) {
            String slug = field.replace("metadata.", "meta-").replace(' ', '-').replace('_', '-');
            httpMessage("h-nul-" + slug, "NUL in " + field, withField(message("h-nul-" + slug), field, "x\u0000y"),
                    refusedMessage("h-nul-" + slug, 400, INVALID_FIELD));
            http("h-badutf8-" + slug, "invalid UTF-8 (0xFF) in " + field, Bytes.replace(json(withField(
                    message("h-badutf8-" + slug), field, BAD)), BAD, INVALID_BYTE),
                    refusedMessage("h-badutf8-" + slug, 400, MALFORMED_JSON));
        }
        http("h-overlong-nul", "overlong NUL (0xC0 0x80) in content: Jackson decodes it to U+0000",
                Bytes.replace(json(message("h-overlong", x -> x.put("content", BAD))), BAD,
                        new byte[] {'a', (byte) 0xC0, (byte) 0x80}), refusedMessage("h-overlong", 400, INVALID_FIELD));
        http("h-cesu-surrogate", "CESU-8 surrogate bytes in content", Bytes.replace(json(message("h-cesu",
                x -> x.put("content", BAD))), BAD, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}),
                refusedMessage("h-cesu", 400, MALFORMED_JSON));
        http("h-surrogate-escape", "an unpaired surrogate escape in content", Bytes.replace(json(message(
                "h-surrogate", x -> x.put("content", "a" + ESC))), ESC, utf8("\\ud800")),
                refusedMessage("h-surrogate", 400, INVALID_FIELD));
        http("h-raw-nul-byte", "a raw NUL byte inside a JSON string", Bytes.replace(json(message("h-raw-nul",
                x -> x.put("content", BAD))), BAD, new byte[] {'a', 0}), refusedMessage("h-raw-nul", 400,
                MALFORMED_JSON));
        http("h-nested-10000", "JSON nested 10,000 deep", deep(10_000), refused(400, MALFORMED_JSON));
        http("h-nested-10000-metadata", "JSON nested 10,000 deep in metadata", Bytes.replace(json(message(
                "h-nested-meta", x -> metadata(x).put("deep", "DEEP"))), "\"DEEP\"", deep(10_000)),
                refusedMessage("h-nested-meta", 400, MALFORMED_JSON));
        http("h-duplicate-key", "duplicate key (message_id twice)", Bytes.replace(json(message("h-dup",
                x -> x.put("zz", "x"))), "\"zz\":\"x\"", utf8("\"message_id\":\"" + mid("h-dup2") + "\"")),
                refusedMessage("h-dup", 400, MALFORMED_JSON));
        http("h-duplicate-key-metadata", "duplicate key in metadata", Bytes.replace(json(message("h-dup-meta",
                x -> metadata(x).put("k", "DUP"))), "\"DUP\"", utf8("1,\"k\":2")),
                refusedMessage("h-dup-meta", 400, MALFORMED_JSON));
        Map<String, Object> arr = message("h-array-100000", x -> metadata(x).put("tags",
                Collections.nCopies(100_000, 1)));
        httpMessage("h-array-100000-metadata", "an array of 100,000 elements in metadata", arr, accepted(arr));
        http("h-batch-100000", "a batch (array) of 100,000 elements", json(Collections.nCopies(100_000,
                Map.of())), refused(400, INVALID_FIELD));
        List<Map<String, Object>> batch101 = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            batch101.add(message("h-batch101-" + i));
        }
        http("h-batch-101", "a batch of 101 valid messages (limit 100)", json(batch101),
                new Expectation.Http(400, INVALID_FIELD.name(), new Expectation.Processed(List.of(new NotPersisted(
                        fx.alice, mid("h-batch101-0"))))));
        http("h-batch-empty", "an empty batch []", utf8("[]"), refused(400, INVALID_FIELD));
        httpMessage("h-timestamp-beyond-long", "timestamp 2^63", message("h-ts-beyond",
                x -> x.put("timestamp", BigInteger.ONE.shiftLeft(63))), refusedMessage("h-ts-beyond", 400,
                INVALID_FIELD));
        Map<String, Object> ts0 = message("h-ts0", x -> x.put("timestamp", 0L));
        httpMessage("h-timestamp-0", "timestamp 0", ts0, accepted(ts0));
        httpMessage("h-timestamp-negative", "timestamp -1", message("h-ts-neg", x -> x.put("timestamp", -1L)),
                refusedMessage("h-ts-neg", 400, INVALID_FIELD));
        Map<String, Object> ts9999 = message("h-ts9999", x -> x.put("timestamp", 253_402_300_799_000L));
        httpMessage("h-timestamp-9999", "timestamp in year 9999", ts9999, accepted(ts9999));
        httpMessage("h-timestamp-fraction", "timestamp 1.5", message("h-ts-frac", x -> x.put("timestamp", 1.5)),
                refusedMessage("h-ts-frac", 400, INVALID_FIELD));
        httpMessage("h-content-number", "content as a number", message("h-content-num", x -> x.put("content", 12)),
                refusedMessage("h-content-num", 400, INVALID_FIELD));
        httpMessage("h-message_id-number", "message_id as a number", message("h-mid-num",
                x -> x.put("message_id", 12)), refused(400, INVALID_FIELD));
        httpMessage("h-metadata-string", "metadata as a string", message("h-meta-str", x -> x.put("metadata", "x")),
                refusedMessage("h-meta-str", 400, INVALID_FIELD));
        httpMessage("h-to_user_id-object", "to_user_id as an object", message("h-to-obj",
                x -> x.put("to_user_id", Map.of("id", fx.bob))), refusedMessage("h-to-obj", 400, INVALID_FIELD));
        httpMessage("h-system-notice", "message_type system_notice", message("h-notice",
                x -> x.put("message_type", "system_notice")), refusedMessage("h-notice", 400, INVALID_FIELD));
        httpMessage("h-version-2", "version 2.0", message("h-version-2", x -> x.put("version", "2.0")),
                refusedMessage("h-version-2", 400, UNSUPPORTED_VERSION));
        httpMessage("h-missing-message_id", "no message_id", message("h-no-mid", x -> x.remove("message_id")),
                refused(400, MISSING_FIELD));
        httpMessage("h-deliver_at-31d", "deliver_at 31 days ahead", message("h-deliver-31d", x -> x.put("deliver_at",
                fx.now + Duration.ofDays(31).toMillis())), refusedMessage("h-deliver-31d", 400, SCHEDULE_TOO_FAR));
        Map<String, Object> past = message("h-deliver-past", x -> x.put("deliver_at", 1L));
        httpMessage("h-deliver_at-past", "deliver_at in the past", past, accepted(past));
        Map<String, Object> unknownGroup = message("h-group-unknown", x -> {
            x.remove("to_user_id");
            x.put("group_id", fx.prefix + "-nogroup-http");
        });
        httpMessage("h-group-unknown", "a group message to a group nobody created (the ingress does not know"
                + " groups: accepted, then dead-lettered by the router)", unknownGroup, new Expectation.Http(202, null,
                deadMessage("h-group-unknown", UNKNOWN_GROUP)));
        for (int delta : new int[] {-1, 0}) {
            Map<String, Object> m = padded("h-record-" + (MAX_RECORD + delta), MAX_RECORD + delta);
            httpMessage("h-record-" + (MAX_RECORD + delta), "a message of " + (MAX_RECORD + delta) + " bytes", m,
                    accepted(m));
        }
        httpMessage("h-record-1048577", "a message of 1 MiB + 1 byte", padded("h-record-1048577", MAX_RECORD + 1),
                refusedMessage("h-record-1048577", 413, TOO_LARGE));
        Map<String, Object> c64 = message("h-content-65536", x -> x.put("content", "c".repeat(MAX_CONTENT)));
        httpMessage("h-content-65536", "content of 64 KiB", c64, accepted(c64));
        httpMessage("h-content-65537", "content of 64 KiB + 1 byte", message("h-content-65537",
                x -> x.put("content", "c".repeat(MAX_CONTENT + 1))), refusedMessage("h-content-65537", 413, TOO_LARGE));
        Map<String, Object> id128 = message("x", x -> x.put("message_id", fx.prefix + "-h-id128-"
                + "i".repeat(MAX_ID - (fx.prefix + "-h-id128-").length())));
        httpMessage("h-message_id-128", "message_id of 128 characters", id128, accepted(id128));
        httpMessage("h-message_id-129", "message_id of 129 characters", message("h-mid-129", x -> x.put(
                "message_id", fx.prefix + "-" + "i".repeat(MAX_ID - fx.prefix.length()))), refused(400, INVALID_FIELD));
        records.add(new HostileRecord("h-body-over-16mib", Target.HTTP, "a body of 16 MiB + 1 byte declared in"
                + " Content-Length with Expect: 100-continue, the head only sent (the answer must not wait for the"
                + " body)", null,
                Bytes.repeat(' ', 16 * MIB + 1), List.of(), null, new HttpSpec("application/json", true, false, false,
                true, true), Phase.MAIN, refused(413, TOO_LARGE), null));
        records.add(new HostileRecord("h-body-over-16mib-no-expect", Target.HTTP, "a body of 16 MiB + 1 byte"
                + " declared in Content-Length without Expect: 100-continue, the head only sent (the status must"
                + " come at once; the server may close without the body it cannot swallow)", null,
                Bytes.repeat(' ', 16 * MIB + 1), List.of(), null, new HttpSpec("application/json", true, false, false,
                true, false), Phase.MAIN, new Expectation.Http(413, null, null), null));
        records.add(new HostileRecord("h-body-over-16mib-chunked", Target.HTTP, "a body of 16 MiB + 1 byte, chunked"
                + " (no declared length)", null, Bytes.repeat(' ', 16 * MIB + 1), List.of(), null,
                new HttpSpec("application/json", true, false, true, false, false), Phase.MAIN, refused(413, TOO_LARGE),
                null));
        http("h-not-json", "body `not json`", utf8("not json"), refused(400, MALFORMED_JSON));
        http("h-empty-body", "an empty body", new byte[0], refused(400, MALFORMED_JSON));
        http("h-root-null", "the JSON literal null", utf8("null"), refused(400, MALFORMED_JSON));
        http("h-root-string", "a JSON string", utf8("\"hello\""), refused(400, MALFORMED_JSON));
        http("h-root-number-beyond-long", "the number 10^30", utf8("1" + "0".repeat(30)), refused(400,
                MALFORMED_JSON));
        Map<String, Object> noToken = message("h-no-token");
        records.add(new HostileRecord("h-no-token", Target.HTTP, "a valid message without the service token", null,
                json(noToken), List.of(), null, new HttpSpec("application/json", false, false, false, false, false),
                Phase.MAIN,
                new Expectation.Http(401, "UNAUTHORIZED", new Expectation.Processed(List.of(new NotPersisted(
                        fx.alice, mid("h-no-token"))))), null));
        records.add(new HostileRecord("h-wrong-token", Target.HTTP, "a valid message with a wrong service token",
                null, json(message("h-wrong-token")), List.of(), null,
                new HttpSpec("application/json", true, true, false, false, false), Phase.MAIN, new Expectation.Http(401,
                "UNAUTHORIZED", new Expectation.Processed(List.of(new NotPersisted(fx.alice,
                mid("h-wrong-token"))))), null));
        records.add(new HostileRecord("h-content-type-text", Target.HTTP, "a valid message sent as text/plain", null,
                json(message("h-text-plain")), List.of(), null,
                new HttpSpec("text/plain", true, false, false, false, false),
                Phase.MAIN, new Expectation.Http(415, null, new Expectation.Processed(List.of(new NotPersisted(
                        fx.alice, mid("h-text-plain"))))), null));
    }

    private Expectation.Http refusedMessage(String id, int status, ReasonCode code) {
        return new Expectation.Http(status, code.name(), new Expectation.Processed(List.of(new NotPersisted(fx.alice,
                mid(id)))));
    }

    // ---- LAST: records whose dead letter would exceed a producer limit ---------------------------------------

    /** {@code base + "-" + i} for the first i whose key hashes (murmur2) to {@code partition} of {@code partitions}. */
    static String keyOnPartition(String base, int partition, int partitions) {
        for (int i = 0; ; i++) {
            String key = base + "-" + i;
            if (partitionOf(utf8(key), partitions) == partition) {
                return key;
            }
        }
    }

    /** The presence user and group id of the LAST records: the canaries go to the same partitions after them. */
    private String giantUser() {
        return keyOnPartition(user("giant"), 0, fx.presencePartitions);
    }

    private String giantGroup() {
        return keyOnPartition(grp("giant"), 0, fx.groupPartitions);
    }

    private void last() {
        byte[] giant = Bytes.repeat('x', GIANT);
        add("u-giant-5mib", Target.UPSTREAM, "a 5 MiB value that lz4 shrinks to a few KiB (the broker limits the"
                + " compressed batch): its dead letter is larger than any producer of the pipeline may write",
                utf8(fx.alice), giant, List.of(), null, Phase.LAST, dead(Target.UPSTREAM, TOO_LARGE), null);
        add("p-giant-5mib", Target.PRESENCE, "a 5 MiB presence value that lz4 shrinks to a few KiB",
                utf8(giantUser()), giant, List.of(), null, Phase.LAST, dead(Target.PRESENCE, TOO_LARGE,
                        new PresenceAbsent(giantUser())), null);
        add("g-giant-5mib", Target.GATEWAY, "a 5 MiB heartbeat value that lz4 shrinks to a few KiB",
                utf8(gw("giant")), giant, List.of(), null, Phase.LAST, unreadable(gw("giant"), TOO_LARGE.name()),
                null);
        String over = keyOnPartition(grp("record-over"), 0, fx.groupPartitions);
        Map<String, Object> big = group(over, List.of(fx.bob));
        big.put("pad", "");
        big.put("pad", "p".repeat(MAX_GROUP_RECORD + 1 - json(big).length));
        add("gr-record-2097153", Target.GROUP, "group record of 2 MiB + 1 byte: over the group limit, and its dead"
                + " letter over the producers' 2 MiB", utf8(over), json(big), List.of(), null, Phase.LAST,
                deadGroup(over, TOO_LARGE), null);
        add("gr-giant-5mib", Target.GROUP, "a 5 MiB group value that lz4 shrinks to a few KiB", utf8(giantGroup()),
                giant, List.of(), null, Phase.LAST, deadGroup(giantGroup(), TOO_LARGE), null);
    }

    // ---- CANARY: after everything, on the partitions of the LAST records: a dead letter and a valid record each ----

    private void canaries() {
        add("canary-upstream", Target.UPSTREAM, "CANARY: `not json` after every hostile record (alice's partition,"
                + " as u-giant-5mib)", utf8(fx.alice), utf8("canary not json"), List.of(), null, Phase.CANARY,
                dead(Target.UPSTREAM, MALFORMED_JSON), null);
        Map<String, Object> last = message("canary-valid");
        add("canary-upstream-valid", Target.UPSTREAM, "CANARY: a valid message after every hostile record",
                utf8(fx.alice), json(last), List.of(), null, Phase.CANARY, delivered(last), null);
        String badUser = keyOnPartition(user("canary-bad"), 0, fx.presencePartitions);
        add("canary-presence", Target.PRESENCE, "CANARY: `not json` after every hostile record (the partition of"
                + " p-giant-5mib)", utf8(badUser), utf8("canary not json"), List.of(), null, Phase.CANARY,
                dead(Target.PRESENCE, MALFORMED_JSON, new PresenceAbsent(badUser)), null);
        String okUser = keyOnPartition(user("canary-ok"), 0, fx.presencePartitions);
        Map<String, Object> online = presenceEvent("canary-ok", x -> x.put("user_id", okUser));
        add("canary-presence-valid", Target.PRESENCE, "CANARY: a valid event after every hostile record (the"
                + " partition of p-giant-5mib)", utf8(okUser), json(online), List.of(), null, Phase.CANARY,
                online(online), null);
        String badGroup = keyOnPartition(grp("canary-bad"), 0, fx.groupPartitions);
        add("canary-group", Target.GROUP, "CANARY: `not json` after every hostile record (the partition of"
                + " gr-giant-5mib)", utf8(badGroup), utf8("canary not json"), List.of(), null, Phase.CANARY,
                deadGroup(badGroup, MALFORMED_JSON), null);
        String okGroup = keyOnPartition(grp("canary-ok"), 0, fx.groupPartitions);
        Map<String, Object> valid = group(okGroup, List.of(fx.bob, fx.carol));
        add("canary-group-valid", Target.GROUP, "CANARY: a valid group after every hostile record (the partition of"
                + " gr-giant-5mib)", utf8(okGroup), json(valid), List.of(), null, Phase.CANARY, applied(valid), null);
        Map<String, Object> hb = heartbeat("canary");
        add("canary-gateway", Target.GATEWAY, "CANARY: a valid heartbeat after every hostile record",
                utf8(gw("canary")), json(hb), List.of(), null, Phase.CANARY, known(hb), null);
    }

    /** Counts per target, for the report. */
    public Map<Target, Integer> sizeByTarget() {
        Map<Target, Integer> counts = new LinkedHashMap<>();
        for (Target t : Target.values()) {
            counts.put(t, 0);
        }
        hostile().forEach(r -> counts.merge(r.target(), 1, Integer::sum));
        return counts;
    }
}
