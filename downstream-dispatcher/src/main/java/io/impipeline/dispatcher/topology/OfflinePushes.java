package io.impipeline.dispatcher.topology;

import java.util.Map;

import io.impipeline.dispatcher.config.DispatcherProperties;
import io.impipeline.model.wire.OfflinePushPayload;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.UpstreamMessage;

/** Builds an offline recipient's push notification: configured title, a preview per message type. */
public final class OfflinePushes {

    private static final String ELLIPSIS = "…";

    private final DispatcherProperties.Push push;

    public OfflinePushes(DispatcherProperties.Push push) {
        this.push = push;
    }

    public OfflinePushPayload payload(RoutedMessage routed) {
        UpstreamMessage m = routed.message();
        String content = push.contentFormat()
                .replace("{from}", m.fromUserId())
                .replace("{preview}", preview(m));
        return new OfflinePushPayload(routed.recipientId(), m.messageId(), push.title(), content, push.pushType(),
                m.conversationId());
    }

    /** Text is cut to the preview length; other types get their configured placeholder. */
    String preview(UpstreamMessage m) {
        String template = push.previews().get(m.messageType());
        if (template == null) {
            return truncate(m.content());
        }
        Map<String, Object> meta = m.metadata() == null ? Map.of() : m.metadata();
        Object filename = meta.get("filename");
        return template.replace("{filename}", filename == null ? "" : truncate(String.valueOf(filename))).strip();
    }

    private String truncate(String text) {
        if (text == null) {
            return "";
        }
        if (text.codePointCount(0, text.length()) <= push.previewLength()) {
            return text;
        }
        // Cut on a code point boundary so that an emoji is never split in half.
        return text.substring(0, text.offsetByCodePoints(0, push.previewLength())) + ELLIPSIS;
    }
}
