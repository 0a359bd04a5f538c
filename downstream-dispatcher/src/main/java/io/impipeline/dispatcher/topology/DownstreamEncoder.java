package io.impipeline.dispatcher.topology;

import java.util.ArrayList;
import java.util.List;

import io.impipeline.dispatcher.settings.DispatcherProperties;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.Rejection;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.dlq.RejectedRecordException;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.wire.DownstreamMessage;
import io.impipeline.model.wire.DownstreamMessage.Recipient;
import io.impipeline.model.wire.RoutedMessage;
import org.springframework.util.unit.DataSize;

/**
 * Encodes downstream records once and keeps each within {@code im.dispatcher.max-delivery-bytes}: a record the
 * producer or broker would refuse fails the stream task (ARCHITECTURE §5: a derived record over a limit is
 * dead-lettered, never sent). A group's recipients on one gateway normally fit one record; when they do not, they are
 * split in halves over several records of the same message (gateways already receive one record per routed batch
 * and de-duplicate per device by {@code message_id}). What cannot fit even alone (a single-chat record, or one member
 * with an absurd number of devices) is refused with {@code TOO_LARGE}, and the routed record is dead-lettered whole.
 */
final class DownstreamEncoder {

    /**
     * What a record needs besides its value when {@code max-delivery-bytes} is left to follow the topics' limit: the
     * key (an id of at most 128 characters), the headers (trace context, the routed record's own) and the record
     * batch framing. Generous on purpose: a few KB would do for records the pipeline writes itself.
     */
    static final long FRAMING_ALLOWANCE_BYTES = 64 * 1024;

    private final long maxBytes;

    /** The configured limit, else the topics' {@code max.message.bytes} less {@link #FRAMING_ALLOWANCE_BYTES}. */
    static DownstreamEncoder of(DispatcherProperties properties, ImTopicsProperties topics) {
        DataSize configured = properties.maxDeliveryBytes();
        return new DownstreamEncoder(configured != null ? configured.toBytes()
                : topics.maxMessageBytes() - FRAMING_ALLOWANCE_BYTES);
    }

    DownstreamEncoder(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Single chat: the recipient's devices on one gateway, one record. */
    Dispatch.Delivery single(String gatewayId, RoutedMessage routed, List<String> deviceIds) {
        DownstreamMessage message = DownstreamMessage.of(routed, deviceIds);
        byte[] encoded = WireJson.toBytes(message);
        if (encoded.length > maxBytes) {
            throw tooLarge("the downstream record for " + routed.recipientId() + " on " + gatewayId, encoded.length);
        }
        return new Dispatch.Delivery(gatewayId, message, encoded);
    }

    /** Group chat: the batch's members online on one gateway, in as few records as fit (one, normally). */
    List<Dispatch.Delivery> group(String gatewayId, RoutedMessage routed, List<Recipient> recipients) {
        List<Dispatch.Delivery> out = new ArrayList<>(1);
        split(gatewayId, routed, recipients, out);
        return out;
    }

    private void split(String gatewayId, RoutedMessage routed, List<Recipient> recipients,
                       List<Dispatch.Delivery> out) {
        DownstreamMessage message = DownstreamMessage.forGroup(routed, recipients);
        byte[] encoded = WireJson.toBytes(message);
        if (encoded.length <= maxBytes) {
            out.add(new Dispatch.Delivery(gatewayId, message, encoded));
            return;
        }
        if (recipients.size() == 1) {
            throw tooLarge("the downstream record for group member " + recipients.get(0).userId() + " on "
                    + gatewayId, encoded.length);
        }
        int half = recipients.size() / 2;
        split(gatewayId, routed, recipients.subList(0, half), out);
        split(gatewayId, routed, recipients.subList(half, recipients.size()), out);
    }

    private RejectedRecordException tooLarge(String what, int size) {
        return new RejectedRecordException(Rejection.of(ReasonCode.TOO_LARGE, what + " would have " + size
                + " bytes; the limit is " + maxBytes + " (im.dispatcher.max-delivery-bytes, else"
                + " im.topics.max-message-bytes less " + FRAMING_ALLOWANCE_BYTES + ")"));
    }
}
