package io.impipeline.dispatcher.topology;

import java.util.Map;

import io.impipeline.dispatcher.settings.DispatcherProperties;
import io.impipeline.model.wire.UpstreamMessage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OfflinePushesTest {

    private static UpstreamMessage message(String type, String content, Map<String, Object> metadata) {
        return new UpstreamMessage("m1", "alice", "bob", "c1", content, type, metadata, "gw", "d", 1L, "1.0", null,
                null);
    }

    @Test
    void longTextIsCutAtThePreviewLengthOnACodePointBoundary() {
        OfflinePushes pushes = new OfflinePushes(new DispatcherProperties.Push("t", "message", 3, null, "{preview}"));
        assertThat(pushes.preview(message("text", "ab😀cd", Map.of()))).isEqualTo("ab😀…");
        assertThat(pushes.preview(message("text", "abc", Map.of()))).isEqualTo("abc");
    }

    @Test
    void otherTypesGetTheirPlaceholderAndConfiguredOnesReplaceTheDefault() {
        OfflinePushes defaults = new OfflinePushes(DispatcherProperties.Push.defaults());
        assertThat(defaults.preview(message("image", "", Map.of()))).isEqualTo("[image]");
        assertThat(defaults.preview(message("location", "", Map.of()))).isEqualTo("[location]");
        assertThat(defaults.preview(message("file", "", Map.of("filename", "a.pdf")))).isEqualTo("[file] a.pdf");

        OfflinePushes custom = new OfflinePushes(new DispatcherProperties.Push("t", "message", 100,
                Map.of("image", "[Bild]"), "{from}: {preview}"));
        assertThat(custom.preview(message("image", "", Map.of()))).isEqualTo("[Bild]");
        assertThat(custom.preview(message("location", "", Map.of()))).isEqualTo("[location]");
    }
}
