package io.impipeline.model.codec;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Set;
import java.util.function.Supplier;

import io.impipeline.model.codec.Fields.Invalid;
import io.impipeline.model.wire.GatewayHeartbeat;
import io.impipeline.model.wire.GroupMembership;
import io.impipeline.model.wire.MessageType;
import io.impipeline.model.wire.PresenceEvent;
import io.impipeline.model.wire.OfflinePushPayload;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.Task;
import io.impipeline.model.wire.UpstreamMessage;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import static io.impipeline.model.codec.Fields.array;
import static io.impipeline.model.codec.Fields.invalid;
import static io.impipeline.model.codec.Fields.number;
import static io.impipeline.model.codec.Fields.object;
import static io.impipeline.model.codec.Fields.oneOf;
import static io.impipeline.model.codec.Fields.optionalNumber;
import static io.impipeline.model.codec.Fields.optionalText;
import static io.impipeline.model.codec.Fields.optionalWholeNumber;
import static io.impipeline.model.codec.Fields.present;
import static io.impipeline.model.codec.Fields.text;
import static io.impipeline.model.codec.Fields.topicSafeId;
import static io.impipeline.model.codec.Fields.wholeNumber;

/**
 * Every rule of the wire contract (ARCHITECTURE §3), in one place. Each {@code decode*} method turns bytes into a
 * {@link Decoded}: the record, or a rejection with a stable {@link ReasonCode}. Nothing here throws on bad input.
 */
public final class WireValidator {

    private static final Set<String> SUPPORTED_VERSIONS = Set.of(UpstreamMessage.CURRENT_VERSION);
    private static final Set<String> PRESENCE_STATUSES = Set.of("online", "offline");
    private static final Set<String> GATEWAY_STATUSES = Set.of("up", "draining", "down");
    private static final Set<String> TASK_TYPES = Set.of("persist_message", "offline_push", "group_fanout");
    private static final String META = "metadata.";

    private final ValidationLimits limits;
    private final Clock clock;

    public WireValidator(ValidationLimits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
    }

    public static WireValidator withDefaults() {
        return new WireValidator(ValidationLimits.defaults(), Clock.systemUTC());
    }

    public ValidationLimits limits() {
        return limits;
    }

    // ---- upstream -------------------------------------------------------------------------------------------

    /**
     * A record from outside the pipeline ({@code im-upstream-topic}, HTTP ingress). Unlike a message the pipeline
     * derived, it may not be a {@code system_notice}: that type is the pipeline's own.
     */
    public Decoded<UpstreamMessage> decodeUpstream(byte[] bytes) {
        return decode(bytes, tree -> fromOutside(upstream(tree, bytes.length)));
    }

    /** For callers that already hold the parsed tree (HTTP batch ingress); {@code size} is the record's byte size. */
    public Decoded<UpstreamMessage> decodeUpstream(JsonNode tree, int size) {
        if (size > limits.maxRecordBytes()) {
            return tooLarge(size);
        }
        return guard(() -> {
            JsonNode root = objectRoot(tree);
            StorableText.check(root);
            return fromOutside(upstream(root, size));
        });
    }

    private static UpstreamMessage fromOutside(UpstreamMessage message) {
        if (MessageType.SYSTEM_NOTICE.wireName().equals(message.messageType())) {
            throw invalid(ReasonCode.INVALID_FIELD, "message_type system_notice is reserved to the pipeline");
        }
        return message;
    }

    private UpstreamMessage upstream(JsonNode node, int size) {
        String version = text(node, "", "version", limits.maxIdLength());
        if (!SUPPORTED_VERSIONS.contains(version)) {
            throw invalid(ReasonCode.UNSUPPORTED_VERSION, "version " + version + " is not supported; supported: "
                    + SUPPORTED_VERSIONS);
        }
        int maxId = limits.maxIdLength();
        String messageId = text(node, "", "message_id", maxId);
        text(node, "", "from_user_id", maxId);
        text(node, "", "conversation_id", maxId);
        String type = text(node, "", "message_type", maxId);
        JsonNode contentNode = Fields.required(node, "", "content");
        if (!contentNode.isString()) {
            throw invalid(ReasonCode.INVALID_FIELD, "content must be a string");
        }
        checkContentSize(contentNode.stringValue());
        topicSafeId(node, "", "gateway_id", maxId);
        optionalText(node, "", "device_id", maxId);
        wholeNumber(node, "", "timestamp", 0);
        boolean single = present(node, "to_user_id");
        boolean group = present(node, "group_id");
        if (single == group) {
            throw invalid(single ? ReasonCode.INVALID_FIELD : ReasonCode.MISSING_FIELD,
                    "exactly one of to_user_id (single chat) and group_id (group chat) is required");
        }
        optionalText(node, "", "to_user_id", maxId);
        optionalText(node, "", "group_id", maxId);
        Long deliverAt = optionalWholeNumber(node, "", "deliver_at", 0);
        checkMetadata(MessageType.fromWire(type).orElseThrow(
                () -> invalid(ReasonCode.INVALID_FIELD, "message_type " + type + " is unknown")), node);
        if (deliverAt != null && deliverAt > clock.millis() + limits.maxScheduleAhead().toMillis()) {
            throw invalid(ReasonCode.SCHEDULE_TOO_FAR, "deliver_at is more than " + limits.maxScheduleAhead()
                    + " ahead (message " + messageId + ")");
        }
        return WireJson.mapper().treeToValue(node, UpstreamMessage.class);
    }

    private void checkContentSize(String content) {
        // UTF-8 takes at most 3 bytes per char: only count bytes when the string could be over the limit.
        if ((long) content.length() * 3 > limits.maxContentBytes()
                && content.getBytes(StandardCharsets.UTF_8).length > limits.maxContentBytes()) {
            throw invalid(ReasonCode.TOO_LARGE, "content is larger than " + limits.maxContentBytes() + " bytes");
        }
    }

    /** The metadata schema of each message type (spec "消息类型定义"). Extra keys are allowed. */
    private void checkMetadata(MessageType type, JsonNode node) {
        JsonNode meta = node.get("metadata");
        if (meta != null && !meta.isNull() && !meta.isObject()) {
            throw invalid(ReasonCode.INVALID_FIELD, "metadata must be an object");
        }
        int maxId = limits.maxIdLength();
        switch (type) {
            case TEXT, SYSTEM_NOTICE -> {
                if (meta != null && meta.isObject()) {
                    optionalText(meta, META, "format", maxId);
                    optionalText(meta, META, "language", maxId);
                }
            }
            case IMAGE -> {
                JsonNode m = object(node, "", "metadata");
                wholeNumber(m, META, "width", 1);
                wholeNumber(m, META, "height", 1);
                wholeNumber(m, META, "size", 0);
                text(m, META, "format", maxId);
            }
            case FILE -> {
                JsonNode m = object(node, "", "metadata");
                text(m, META, "filename", 1024);
                wholeNumber(m, META, "size", 0);
                text(m, META, "mime_type", 255);
            }
            case LOCATION -> {
                JsonNode m = object(node, "", "metadata");
                number(m, META, "latitude", -90, 90);
                number(m, META, "longitude", -180, 180);
                optionalNumber(m, META, "accuracy", 0, Double.MAX_VALUE);
            }
            case SYSTEM_CONVERSATION -> {
                JsonNode m = object(node, "", "metadata");
                text(m, META, "action", maxId);
                text(m, META, "conversation_id", maxId);
            }
            case SYSTEM_GROUP -> {
                JsonNode m = object(node, "", "metadata");
                text(m, META, "action", maxId);
                text(m, META, "group_id", maxId);
            }
        }
    }

    // ---- other records --------------------------------------------------------------------------------------

    /** Derived by the pipeline: the message plus its envelope, held to {@code max-derived-record-bytes}. */
    public Decoded<RoutedMessage> decodeRouted(byte[] bytes) {
        return decode(bytes, limits.maxDerivedRecordBytes(), node -> {
            upstream(node, bytes.length);
            boolean single = present(node, "recipient_id");
            if (single == present(node, "recipient_ids")) {
                throw invalid(ReasonCode.MISSING_FIELD,
                        "exactly one of recipient_id (single chat) and recipient_ids (group batch) is required");
            }
            if (single) {
                text(node, "", "recipient_id", limits.maxIdLength());
            } else {
                idArray(node, "", "recipient_ids", limits.maxGroupMembers());
            }
            wholeNumber(node, "", "seq", 1);
            return WireJson.mapper().treeToValue(node, RoutedMessage.class);
        });
    }

    public Decoded<PresenceEvent> decodePresence(byte[] bytes) {
        return decode(bytes, node -> {
            text(node, "", "user_id", limits.maxIdLength());
            text(node, "", "device_id", limits.maxIdLength());
            topicSafeId(node, "", "gateway_id", limits.maxIdLength());
            oneOf(node, "", "status", PRESENCE_STATUSES);
            notInTheFuture(wholeNumber(node, "", "timestamp", 0));
            return WireJson.mapper().treeToValue(node, PresenceEvent.class);
        });
    }

    public Decoded<GatewayHeartbeat> decodeHeartbeat(byte[] bytes) {
        return decode(bytes, node -> {
            topicSafeId(node, "", "gateway_id", limits.maxIdLength());
            oneOf(node, "", "status", GATEWAY_STATUSES);
            notInTheFuture(wholeNumber(node, "", "timestamp", 0));
            return WireJson.mapper().treeToValue(node, GatewayHeartbeat.class);
        });
    }

    /** A group record carries the whole membership: its own size limit ({@code max-group-record-bytes}). */
    public Decoded<GroupMembership> decodeGroup(byte[] bytes) {
        return decode(bytes, limits.maxGroupRecordBytes(), node -> {
            text(node, "", "group_id", limits.maxIdLength());
            JsonNode members = array(node, "", "members");
            if (members.size() > limits.maxGroupMembers()) {
                throw invalid(ReasonCode.TOO_LARGE, "members has more than " + limits.maxGroupMembers() + " entries");
            }
            for (JsonNode member : members) {
                if (!member.isString() || member.stringValue().isBlank()
                        || member.stringValue().length() > limits.maxIdLength()) {
                    throw invalid(ReasonCode.INVALID_FIELD, "members must be non-blank user ids");
                }
            }
            wholeNumber(node, "", "timestamp", 0);
            return WireJson.mapper().treeToValue(node, GroupMembership.class);
        });
    }

    /** Derived by the pipeline like routed records: held to {@code max-derived-record-bytes}. */
    public Decoded<Task> decodeTask(byte[] bytes) {
        return decode(bytes, limits.maxDerivedRecordBytes(), node -> {
            oneOf(node, "", "task_type", TASK_TYPES);
            text(node, "", "task_id", 512);
            object(node, "", "payload");
            wholeNumber(node, "", "timestamp", 0);
            Task task = WireJson.mapper().treeToValue(node, Task.class);
            // The payload must read as its type, so that a worker never meets a payload it cannot use.
            switch (task.taskType()) {
                case PERSIST_MESSAGE -> upstream(task.payload(), bytes.length);
                case OFFLINE_PUSH -> {
                    idArray(task.payload(), "payload.", "user_ids", OfflinePushPayload.MAX_USERS);
                    text(task.payload(), "payload.", "from_user_id", limits.maxIdLength());
                    text(task.payload(), "payload.", "message_id", limits.maxIdLength());
                }
                case GROUP_FANOUT -> {
                    text(task.payload(), "payload.", "group_id", limits.maxIdLength());
                    upstream(object(task.payload(), "payload.", "message"), bytes.length);
                }
            }
            return task;
        });
    }

    // ---- common ---------------------------------------------------------------------------------------------

    /** Liveness and presence order by time: a record from the future would win over everything until then. */
    private void notInTheFuture(long timestamp) {
        if (timestamp > clock.millis() + limits.maxClockSkew().toMillis()) {
            throw invalid(ReasonCode.INVALID_FIELD, "timestamp is more than " + limits.maxClockSkew()
                    + " in the future");
        }
    }

    /** A non-empty array of at most {@code max} ids, each a non-blank string within the id length. */
    private void idArray(JsonNode node, String path, String field, int max) {
        JsonNode ids = array(node, path, field);
        if (ids.isEmpty()) {
            throw invalid(ReasonCode.INVALID_FIELD, path + field + " must not be empty");
        }
        if (ids.size() > max) {
            throw invalid(ReasonCode.TOO_LARGE, path + field + " has more than " + max + " entries");
        }
        for (JsonNode id : ids) {
            if (!id.isString() || id.stringValue().isBlank() || id.stringValue().length() > limits.maxIdLength()) {
                throw invalid(ReasonCode.INVALID_FIELD, path + field + " must hold non-blank ids of at most "
                        + limits.maxIdLength() + " characters");
            }
        }
    }

    private interface TreeReader<T> {
        T read(JsonNode root);
    }

    private <T> Decoded<T> decode(byte[] bytes, TreeReader<T> reader) {
        return decode(bytes, limits.maxRecordBytes(), reader);
    }

    private <T> Decoded<T> decode(byte[] bytes, int maxBytes, TreeReader<T> reader) {
        if (bytes == null || bytes.length == 0) {
            return Decoded.rejected(ReasonCode.EMPTY_RECORD, "the record has no value");
        }
        if (bytes.length > maxBytes) {
            return Decoded.rejected(ReasonCode.TOO_LARGE, "the record has " + bytes.length
                    + " bytes; the limit is " + maxBytes);
        }
        if (!isUtf8(bytes)) {
            return Decoded.rejected(ReasonCode.INVALID_ENCODING, "the record is not valid UTF-8");
        }
        JsonNode tree;
        try {
            tree = WireJson.mapper().readTree(bytes);
        } catch (JacksonException e) {
            // Where, never what: Jackson's own message quotes the offending token, which is the sender's content.
            return Decoded.rejected(ReasonCode.MALFORMED_JSON, "not valid JSON" + location(e));
        }
        return guard(() -> {
            JsonNode root = objectRoot(tree);
            StorableText.check(root);
            return reader.read(root);
        });
    }

    private static String location(JacksonException e) {
        var where = e.getLocation();
        return where == null || where.getLineNr() < 0 ? "" : " at line " + where.getLineNr() + ", column "
                + where.getColumnNr() + " (" + e.getClass().getSimpleName() + ")";
    }

    private static JsonNode objectRoot(JsonNode tree) {
        if (tree == null || !tree.isObject()) {
            throw invalid(ReasonCode.MALFORMED_JSON, "expected a JSON object, got "
                    + (tree == null ? "nothing" : tree.getNodeType().name().toLowerCase()));
        }
        return tree;
    }

    private static <T> Decoded<T> guard(Supplier<T> reader) {
        try {
            return Decoded.valid(reader.get());
        } catch (Invalid e) {
            return Decoded.rejected(e.reason, e.getMessage());
        } catch (JacksonException | IllegalArgumentException e) {
            // Rules above cover the contract; a binding failure left over means a field of an unexpected shape.
            return Decoded.rejected(ReasonCode.INVALID_FIELD, "cannot bind record: " + e.getMessage());
        }
    }

    private <T> Decoded<T> tooLarge(int size) {
        return Decoded.rejected(ReasonCode.TOO_LARGE, "the record has " + size + " bytes; the limit is "
                + limits.maxRecordBytes());
    }

    private static boolean isUtf8(byte[] bytes) {
        if (isAscii(bytes)) {
            return true;
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }
}
