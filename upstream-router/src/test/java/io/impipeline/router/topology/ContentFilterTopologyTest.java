package io.impipeline.router.topology;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.impipeline.model.wire.RoutedMessage;
import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.router.metrics.RouterMetrics.Outcome;
import io.impipeline.router.settings.RouterProperties;
import io.impipeline.router.settings.RouterProperties.FilterMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.impipeline.router.topology.RouterDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

class ContentFilterTopologyTest {

    @TempDir
    Path stateDir;

    private static RouterProperties filtering(FilterMode mode) {
        RouterProperties d = RouterProperties.defaults();
        return d.withFilter(new RouterProperties.Filter(List.of("darn", "坏话"), null, mode, '*', true,
                d.filter().noticeText()));
    }

    private static UpstreamMessage saying(String content) {
        return new UpstreamMessage("m1", "alice", "bob", "conv_ab", content, "text", Map.of(), "gateway_001",
                "phone-1", T0.toEpochMilli(), "1.0", null, null);
    }

    @Test
    void maskModeReplacesEveryMatchWithStars() {
        try (RouterDriver router = new RouterDriver(stateDir, filtering(FilterMode.MASK))) {
            router.send(saying("Oh DARN it, 坏话!"));

            assertThat(router.routed()).extracting(kv -> kv.value.message().content())
                    .containsOnly("Oh **** it, **!");
            assertThat(router.metrics.value(Outcome.FILTERED)).isEqualTo(1);
        }
    }

    @Test
    void cleanMessagePassesUnchanged() {
        try (RouterDriver router = new RouterDriver(stateDir, filtering(FilterMode.MASK))) {
            router.send(saying("all good"));

            assertThat(router.routed()).extracting(kv -> kv.value.message().content()).containsOnly("all good");
            assertThat(router.metrics.value(Outcome.FILTERED)).isZero();
        }
    }

    @Test
    void rejectModeSendsTheSenderANoticeAndTheRecipientNothing() {
        try (RouterDriver router = new RouterDriver(stateDir, filtering(FilterMode.REJECT))) {
            router.send(saying("darn"));

            List<RoutedMessage> routed = router.routed().stream().map(kv -> kv.value).toList();
            assertThat(routed).hasSize(1);
            RoutedMessage notice = routed.get(0);
            assertThat(notice.recipientId()).isEqualTo("alice");
            assertThat(notice.message().messageType()).isEqualTo("system_notice");
            assertThat(notice.message().metadata()).containsEntry("message_id", "m1")
                    .containsEntry("reason", "CONTENT_FILTER");
            assertThat(notice.message().content()).doesNotContain("darn");
            assertThat(notice.seq()).isEqualTo(1);
            assertThat(router.metrics.value(Outcome.REJECTED)).isEqualTo(1);
        }
    }
}
