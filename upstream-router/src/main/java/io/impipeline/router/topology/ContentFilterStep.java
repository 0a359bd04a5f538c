package io.impipeline.router.topology;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.wire.MessageType;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.router.filter.ContentFilter;
import io.impipeline.router.metrics.RouterMetrics;
import io.impipeline.router.settings.RouterProperties;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Step 3: the content filter. {@code mask}: matches replaced, the message goes on. {@code reject}: the message
 * stops here and the sender gets a {@code system_notice} instead, which then travels the rest of the flow like a
 * message (sequenced in the sender's own notice conversation, persisted, routed to the sender only). Trace:
 * {@code masked}, or {@code filtered} for the rejected message (the notice is traced as a message of its own,
 * from {@value #SYSTEM_SENDER}).
 */
final class ContentFilterStep implements FixedKeyProcessor<String, UpstreamMessage, Step<UpstreamMessage>> {

    /** Sender of notices made by the pipeline. */
    static final String SYSTEM_SENDER = "system";
    static final String NOTICE_ACTION = "message_rejected";
    static final String NOTICE_REASON = "CONTENT_FILTER";

    private final ContentFilter filter;
    private final RouterProperties.Filter config;
    private final RouterMetrics metrics;
    private final Clock clock;
    private final RouterTraces traces;
    private FixedKeyProcessorContext<String, Step<UpstreamMessage>> context;

    ContentFilterStep(ContentFilter filter, RouterProperties.Filter config, RouterMetrics metrics, Clock clock,
                      RouterTraces traces) {
        this.filter = filter;
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
        this.traces = traces;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, Step<UpstreamMessage>> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, UpstreamMessage> record) {
        context.forward(record.withValue(apply(record.value(), record.headers())));
    }

    /**
     * @param headers the record's: a rejected message's admission ({@link AcceptedHeader}) goes into its
     *                {@code filtered} event and not on with the notice, which is a message of its own
     */
    private Step<UpstreamMessage> apply(UpstreamMessage message, Headers headers) {
        try {
            if (!isFilterable(message) || !filter.matches(message.content())) {
                return Step.pass(message);
            }
            if (config.mode() == RouterProperties.FilterMode.REJECT) {
                metrics.count(RouterMetrics.Outcome.REJECTED);
                UpstreamMessage notice = noticeFor(message);
                return Step.pass(notice, traces.filtered(message, clock.millis(), notice.messageId(),
                        AcceptedHeader.take(headers)));
            }
            metrics.count(RouterMetrics.Outcome.FILTERED);
            return Step.pass(message.withContent(filter.mask(message.content())),
                    traces.masked(message, clock.millis()));
        } catch (RuntimeException e) {
            return StepFailure.deadLetter("filter", WireJson.toBytes(message), e, metrics, null);
        }
    }

    /** Only what people typed: file names, coordinates and system messages are not filtered. */
    private static boolean isFilterable(UpstreamMessage message) {
        return MessageType.TEXT.wireName().equals(message.messageType());
    }

    private UpstreamMessage noticeFor(UpstreamMessage rejected) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("action", NOTICE_ACTION);
        metadata.put("reason", NOTICE_REASON);
        metadata.put("message_id", rejected.messageId());
        metadata.put("conversation_id", rejected.conversationId());
        return new UpstreamMessage(noticeId(rejected), SYSTEM_SENDER, rejected.fromUserId(),
                noticeConversation(rejected.fromUserId()), config.noticeText(), MessageType.SYSTEM_NOTICE.wireName(),
                metadata, rejected.gatewayId(), rejected.deviceId(), clock.millis(), UpstreamMessage.CURRENT_VERSION,
                null, null);
    }

    /** Deterministic and within the id length limit whatever the original ids' lengths. */
    static String noticeId(UpstreamMessage rejected) {
        return "notice_" + uuid(rejected.fromUserId() + "\n" + rejected.messageId());
    }

    /** Each user's notices form one conversation of their own, sequenced like any other. */
    static String noticeConversation(String userId) {
        return "notices_" + uuid(userId);
    }

    private static UUID uuid(String s) {
        return UUID.nameUUIDFromBytes(s.getBytes(StandardCharsets.UTF_8));
    }
}
