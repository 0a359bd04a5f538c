package io.impipeline.dispatcher.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.impipeline.dispatcher.settings.DispatcherProperties;
import io.impipeline.model.codec.Tasks;
import io.impipeline.model.wire.OfflinePushPayload;
import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.Task;
import io.impipeline.model.wire.UpstreamMessage;

/**
 * Builds the {@code offline_push} tasks of a message for the users who cannot be reached: batches of at most
 * {@link OfflinePushPayload#MAX_USERS} users, the configured title and a preview per message type.
 */
public final class OfflinePushes {

    private static final String ELLIPSIS = "…";

    private final DispatcherProperties.Push push;

    public OfflinePushes(DispatcherProperties.Push push) {
        this.push = push;
    }

    /**
     * The users in batches of at most {@link OfflinePushPayload#MAX_USERS}, in the order given: callers pass them
     * sorted, so that a re-run of the same routed record yields the same batches and so the same task ids
     * ({@code push:{from}:{message}:{first user}}).
     */
    static List<List<String>> batches(List<String> users) {
        List<List<String>> batches = new ArrayList<>();
        for (int from = 0; from < users.size(); from += OfflinePushPayload.MAX_USERS) {
            batches.add(users.subList(from, Math.min(users.size(), from + OfflinePushPayload.MAX_USERS)));
        }
        return batches;
    }

    /** The {@code offline_push} task of one batch of users. */
    public Task task(RoutedMessage routed, List<String> batch, long now) {
        return Tasks.offlinePush(payload(routed, batch), now);
    }

    OfflinePushPayload payload(RoutedMessage routed, List<String> users) {
        UpstreamMessage m = routed.message();
        String content = push.contentFormat()
                .replace("{from}", m.fromUserId())
                .replace("{preview}", preview(m));
        return new OfflinePushPayload(users, m.fromUserId(), m.messageId(), push.title(), content, push.pushType(),
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
