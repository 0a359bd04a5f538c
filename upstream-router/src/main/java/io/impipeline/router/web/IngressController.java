package io.impipeline.router.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.impipeline.model.codec.Decoded;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.WireJson;
import io.impipeline.model.codec.WireValidator;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.impipeline.platform.web.ApiError;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.router.settings.RouterProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/v1/messages}: server-side senders (bots, system messages) publish through the router with the
 * same validation as gateways. One JSON object or an array of up to {@code im.router.max-ingress-batch}. All or
 * nothing: one invalid message refuses the whole batch (400 with a result per message), so a caller can fix and
 * resend the batch as it is; 413 when a message or the request body is over its size limit (the body is read only
 * up to {@code im.router.max-ingress-bytes}). Accepted messages are written
 * to {@code im-upstream-topic} keyed by {@code from_user_id} and acknowledged by the broker before the 202.
 */
@RestController
public class IngressController {

    private static final Logger log = LoggerFactory.getLogger(IngressController.class);

    private final WireValidator validator;
    private final KafkaTemplate<String, byte[]> template;
    private final RouterProperties properties;
    private final String upstreamTopic;

    public IngressController(WireValidator validator, KafkaTemplate<String, byte[]> ingressTemplate,
                             RouterProperties properties, ImTopicsProperties topics) {
        this.validator = validator;
        this.template = ingressTemplate;
        this.properties = properties;
        this.upstreamTopic = topics.name(TopicKind.UPSTREAM);
    }

    /** One entry per message, in request order. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MessageResult(int index, String messageId, String status, String reason, String detail,
                                Integer partition, Long offset) {

        static MessageResult accepted(int index, String messageId, int partition, long offset) {
            return new MessageResult(index, messageId, "accepted", null, null, partition, offset);
        }

        static MessageResult valid(int index, String messageId) {
            return new MessageResult(index, messageId, "valid_not_sent", null, null, null, null);
        }

        static MessageResult rejected(int index, String messageId, ReasonCode reason, String detail) {
            return new MessageResult(index, messageId, "rejected", reason.name(), detail, null, null);
        }
    }

    public record IngressResponse(int accepted, int rejected, List<MessageResult> results) {
    }

    /**
     * @param body          read here, at most {@code im.router.max-ingress-bytes} of it: a larger body is answered
     *                      413 as soon as the limit is passed, without reading (or holding) the rest
     * @param contentLength when the client declares a length over the limit, 413 before reading anything
     */
    @PostMapping(path = "/api/v1/messages", consumes = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<?> publish(InputStream body,
                                     @RequestHeader(name = HttpHeaders.CONTENT_LENGTH, required = false)
                                     Long contentLength) throws IOException {
        long maxBody = properties.maxIngressBytes().toBytes();
        if (contentLength != null && contentLength > maxBody) {
            return bodyTooLarge(maxBody, "declared " + contentLength + " bytes");
        }
        byte[] bytes = readAtMost(body, maxBody);
        if (bytes == null) {
            return bodyTooLarge(maxBody, "more than " + maxBody + " bytes sent");
        }
        return publish(bytes);
    }

    private ResponseEntity<?> bodyTooLarge(long maxBody, String what) {
        log.info("ingress refused a request body over im.router.max-ingress-bytes={} ({})", maxBody, what);
        return error(HttpStatus.PAYLOAD_TOO_LARGE, ReasonCode.TOO_LARGE, "request body is larger than " + maxBody
                + " bytes (im.router.max-ingress-bytes): send fewer or smaller messages per request");
    }

    /** The whole stream if it holds at most {@code max} bytes, else null after reading at most max + 1 of them. */
    static byte[] readAtMost(InputStream in, long max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(max, 64 * 1024));
        byte[] buffer = new byte[8192];
        long total = 0;
        while (true) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, max + 1 - total));
            if (n < 0) {
                return out.toByteArray();
            }
            total += n;
            if (total > max) {
                return null;
            }
            out.write(buffer, 0, n);
        }
    }

    private ResponseEntity<?> publish(byte[] body) {
        JsonNode root;
        try {
            root = WireJson.mapper().readTree(body);
        } catch (JacksonException e) {
            return error(HttpStatus.BAD_REQUEST, ReasonCode.MALFORMED_JSON, "request body is not JSON");
        }
        List<JsonNode> items = new ArrayList<>();
        if (root != null && root.isArray()) {
            root.forEach(items::add);
        } else if (root != null && root.isObject()) {
            items.add(root);
        } else {
            return error(HttpStatus.BAD_REQUEST, ReasonCode.MALFORMED_JSON, "expected a message object or an array");
        }
        if (items.isEmpty() || items.size() > properties.maxIngressBatch()) {
            return error(HttpStatus.BAD_REQUEST, ReasonCode.INVALID_FIELD, "a batch holds 1 to "
                    + properties.maxIngressBatch() + " messages, not " + items.size());
        }
        return validateAndSend(items);
    }

    private ResponseEntity<?> validateAndSend(List<JsonNode> items) {
        List<Decoded<UpstreamMessage>> decoded = new ArrayList<>();
        List<byte[]> encoded = new ArrayList<>();
        boolean tooLarge = false;
        for (JsonNode item : items) {
            byte[] bytes = WireJson.mapper().writeValueAsBytes(item);
            encoded.add(bytes);
            Decoded<UpstreamMessage> d = validator.decodeUpstream(item, bytes.length);
            decoded.add(d);
            tooLarge |= !d.isValid() && d.rejection().reason() == ReasonCode.TOO_LARGE;
        }
        List<MessageResult> results = new ArrayList<>();
        int rejected = 0;
        for (int i = 0; i < decoded.size(); i++) {
            Decoded<UpstreamMessage> d = decoded.get(i);
            if (d.isValid()) {
                results.add(MessageResult.valid(i, d.value().messageId()));
            } else {
                rejected++;
                results.add(MessageResult.rejected(i, idOf(items.get(i)), d.rejection().reason(),
                        d.rejection().detail()));
            }
        }
        if (rejected > 0) {
            return ResponseEntity.status(tooLarge ? HttpStatus.PAYLOAD_TOO_LARGE : HttpStatus.BAD_REQUEST)
                    .body(new IngressResponse(0, rejected, results));
        }
        return send(decoded, encoded);
    }

    private ResponseEntity<?> send(List<Decoded<UpstreamMessage>> decoded, List<byte[]> encoded) {
        List<CompletableFuture<SendResult<String, byte[]>>> sends = new ArrayList<>();
        for (int i = 0; i < decoded.size(); i++) {
            sends.add(template.send(upstreamTopic, decoded.get(i).value().fromUserId(), encoded.get(i)));
        }
        List<MessageResult> results = new ArrayList<>();
        try {
            for (int i = 0; i < sends.size(); i++) {
                SendResult<String, byte[]> sent = sends.get(i).get(properties.ingressTimeout().toMillis(),
                        TimeUnit.MILLISECONDS);
                results.add(MessageResult.accepted(i, decoded.get(i).value().messageId(),
                        sent.getRecordMetadata().partition(), sent.getRecordMetadata().offset()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unavailable(e);
        } catch (ExecutionException | TimeoutException e) {
            return unavailable(e);
        }
        log.debug("ingress accepted {} messages", results.size());
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(new IngressResponse(results.size(), 0, results));
    }

    /** Some messages may have been written: the caller retries, and the router's dedup drops what arrived twice. */
    private static ResponseEntity<?> unavailable(Exception e) {
        log.warn("ingress could not write to the broker: {}", e.toString());
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(ApiError.of("BROKER_UNAVAILABLE",
                "the broker did not acknowledge the messages; retry (duplicates are dropped by message_id)"));
    }

    private static String idOf(JsonNode item) {
        JsonNode id = item.get("message_id");
        return id != null && id.isString() ? id.stringValue() : null;
    }

    private static ResponseEntity<ApiError> error(HttpStatus status, ReasonCode reason, String detail) {
        return ResponseEntity.status(status).body(ApiError.of(reason.name(), detail));
    }
}
