package io.impipeline.dispatcher.settings;

import java.time.Duration;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The dispatcher's settings ({@code im.dispatcher.*}).
 *
 * @param gatewayTimeout        a gateway whose last heartbeat is older than this counts as down
 * @param topicReadyTimeout     longest the stream thread waits for a gateway topic still being created before it
 *                              treats the gateway as not deliverable for that record (kept well below the
 *                              transaction timeout)
 * @param topicRetryBackoff     after a failed topic creation, how long until the next attempt
 * @param gatewayScanInterval   how often the gateway table is scanned for gateways whose topic does not exist yet
 * @param presenceReorderWindow how long a departed device is remembered, so that a late {@code online} event older
 *                              than its {@code offline} is still ignored
 * @param presenceSweepInterval how often users with no device and only expired departures are removed from the store
 * @param maxDeliveryBytes      largest downstream record value written: a group's recipients on one gateway are spread
 *                              over several records rather than exceed it, a single-chat record above it is
 *                              dead-lettered ({@code TOO_LARGE}). Unset (the default): {@code im.topics.max-message-bytes}
 *                              (the topics' and producers' limit) less room for the key, headers and batch framing, so
 *                              that no derived record is ever refused by the producer (which would fail the stream
 *                              task). Set it lower for gateways that want smaller records
 * @param push                  the offline notification
 * @param traceSyncCopies       write the trace event ({@code delivered}) of the sender's sync copy, the copy to her
 *                              other devices (issue 15; default true). False saves about a third of single chat's
 *                              trace records when senders have other devices online; the trace then cannot say
 *                              where a sync copy went (docs/downstream-dispatcher.md)
 */
@Validated
@ConfigurationProperties("im.dispatcher")
public record DispatcherProperties(
        @DefaultValue("30s") @NotNull Duration gatewayTimeout,
        @DefaultValue("2s") @NotNull Duration topicReadyTimeout,
        @DefaultValue("10s") @NotNull Duration topicRetryBackoff,
        @DefaultValue("1s") @NotNull Duration gatewayScanInterval,
        @DefaultValue("10m") @NotNull Duration presenceReorderWindow,
        @DefaultValue("1h") @NotNull Duration presenceSweepInterval,
        DataSize maxDeliveryBytes,
        @DefaultValue @Valid @NotNull Push push,
        @DefaultValue("true") boolean traceSyncCopies) {

    /**
     * What an offline recipient's push notification says.
     *
     * @param title         the notification title
     * @param pushType      {@code push_type} of the task
     * @param previewLength longest text preview, in characters (longer text is cut and ends with an ellipsis)
     * @param previews      preview per {@code message_type} other than text; {@code {filename}} is replaced by
     *                      the file's name
     * @param contentFormat the notification body; {@code {from}} is the sender, {@code {preview}} the preview
     */
    public record Push(
            @DefaultValue("New message") @NotBlank String title,
            @DefaultValue("message") @NotBlank String pushType,
            @DefaultValue("100") @Min(1) int previewLength,
            Map<String, String> previews,
            @DefaultValue("{from}: {preview}") @NotBlank String contentFormat) {

        private static final Map<String, String> DEFAULT_PREVIEWS = Map.of(
                "image", "[image]",
                "file", "[file] {filename}",
                "location", "[location]",
                "system_conversation", "[conversation update]",
                "system_group", "[group update]",
                "system_notice", "[notice]");

        public Push {
            // Configured entries replace the default of their type; the other types keep theirs.
            Map<String, String> merged = new java.util.HashMap<>(DEFAULT_PREVIEWS);
            if (previews != null) {
                merged.putAll(previews);
            }
            previews = Map.copyOf(merged);
        }

        public static Push defaults() {
            return new Push("New message", "message", 100, null, "{from}: {preview}");
        }
    }

    /** Defaults, for tests and tools. */
    public static DispatcherProperties defaults() {
        return new DispatcherProperties(Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofSeconds(10),
                Duration.ofSeconds(1), Duration.ofMinutes(10), Duration.ofHours(1), null,
                Push.defaults(), true);
    }

    /** These settings with {@code trace-sync-copies} as given. */
    public DispatcherProperties withTraceSyncCopies(boolean trace) {
        return new DispatcherProperties(gatewayTimeout, topicReadyTimeout, topicRetryBackoff, gatewayScanInterval,
                presenceReorderWindow, presenceSweepInterval, maxDeliveryBytes, push, trace);
    }
}
