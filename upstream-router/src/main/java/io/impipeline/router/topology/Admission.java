package io.impipeline.router.topology;

import io.impipeline.platform.kafka.RecordSizeGuard;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.Rejection;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.router.settings.RouterProperties;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * What can be decided about a valid message from the message alone, before anything remembers it (dedup) or writes
 * it (repartition topics, the scheduled store): a rejection here leaves no trace, so the same record replayed from
 * the DLQ once the cause is gone is routed like a new one. A rejection after dedup would make the replay a
 * duplicate.
 * <ul>
 *   <li>{@code UNKNOWN_GROUP}: a group message for a group that is not in the group table ({@code router-groups},
 *       a global store: readable on every task, whatever the partitioning), or whose entry there cannot be read
 *       ({@link GroupReader}).</li>
 *   <li>{@code TOO_LARGE}: the message as the router re-encodes it, with the record's headers and room for what it
 *       gains on the way ({@link #ENVELOPE_BYTES}; masking with a wider mask character), would not fit
 *       {@link RecordSizeGuard}. Kafka Streams carries the headers to every record it derives, so a record with
 *       huge headers ends here too. What depends on the route (a group's batches) is measured when the outputs
 *       are built ({@link SequenceProcessor}).</li>
 * </ul>
 */
final class Admission {

    /**
     * Room for the fields and keys a message gains in its largest single record but a group batch (the persist task,
     * a routed copy, the group_fanout task, which repeats the group, message and sender ids): task type and id,
     * seq, times, recipient id, record key; ids at their longest (128 chars, 3 bytes each).
     * {@code AdmissionEnvelopeTest} checks it against records built with such ids.
     */
    static final int ENVELOPE_BYTES = 4096;

    private final RecordSizeGuard guard;
    private final int maskGrowthPerChar;
    private final String groupStore;
    private final GroupReader groupReader;
    private ReadOnlyKeyValueStore<String, ?> groups;

    /**
     * @param groupStore  the group table's store name, or null to skip the group check (no group table)
     * @param groupReader decodes the table's entries (bytes)
     */
    Admission(RecordSizeGuard guard, RouterProperties.Filter filter, String groupStore, GroupReader groupReader) {
        this.guard = guard;
        this.maskGrowthPerChar = maskGrowthPerChar(filter);
        this.groupStore = groupStore;
        this.groupReader = groupReader;
    }

    void init(ProcessorContext<?, ?> context) {
        groups = groupStore == null ? null : context.getStateStore(groupStore);
    }

    /** Null when admitted. */
    Rejection check(UpstreamMessage message, Headers headers) {
        if (groups != null && message.isGroupMessage()
                && groupReader.read(message.groupId(), groups.get(message.groupId())) == null) {
            return Rejection.of(ReasonCode.UNKNOWN_GROUP, "group " + message.groupId() + " is unknown (message "
                    + message.messageId() + ")");
        }
        long encoded = WireJson.toBytes(message).length;
        long growth = message.content() == null ? 0 : (long) message.content().length() * maskGrowthPerChar;
        long value = encoded + growth + ENVELOPE_BYTES;
        int size = value > Integer.MAX_VALUE / 2 ? Integer.MAX_VALUE
                : RecordSizeGuard.sizeOf(0, (int) value, headers);
        if (!guard.fits(size)) {
            int headerBytes = RecordSizeGuard.sizeOf(0, 0, headers) - RecordSizeGuard.sizeOf(0, 0, null);
            return Rejection.of(ReasonCode.TOO_LARGE, "message " + message.messageId() + " is " + encoded
                    + " bytes with " + headerBytes + " bytes of headers: the records derived from it would exceed"
                    + " the router's record limit of " + guard.limit() + " bytes");
        }
        return null;
    }

    /** Masking replaces each matched char by the mask char: more bytes when the mask char encodes to more. */
    private static int maskGrowthPerChar(RouterProperties.Filter filter) {
        if (filter == null) {
            return 0;
        }
        // The mask char as it appears inside a JSON string: UTF-8, escaped where JSON needs it.
        int encoded = WireJson.toBytes(String.valueOf(filter.maskChar())).length - 2;
        return Math.max(0, encoded - 1);
    }
}
