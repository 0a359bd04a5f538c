package io.impipeline.dlq.web;

import java.time.Instant;

import io.impipeline.dlq.api.TimeParam;
import io.impipeline.dlq.store.DeadLetterStatus;
import io.impipeline.platform.web.ApiException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RequestParsingTest {

    @Test
    void cursorRoundTripsAndForeignCursorsAreRefused() {
        assertThat(Cursor.decode(Cursor.encode(12345L))).isEqualTo(12345L);
        assertThat(Cursor.decode(null)).isNull();
        assertThatThrownBy(() -> Cursor.decode("12345")).isInstanceOf(ApiException.class)
                .hasMessageContaining("cursor");
        assertThatThrownBy(() -> Cursor.decode("djI6MQ")).isInstanceOf(ApiException.class); // "v2:1"
    }

    @Test
    void timesAreIsoOrEpochMillis() {
        assertThat(TimeParam.parse("from", "2026-01-31T12:00:00Z")).isEqualTo(Instant.parse("2026-01-31T12:00:00Z"));
        assertThat(TimeParam.parse("from", "1700000000000")).isEqualTo(Instant.ofEpochMilli(1_700_000_000_000L));
        assertThat(TimeParam.parse("from", " ")).isNull();
        assertThatThrownBy(() -> TimeParam.parse("from", "yesterday")).isInstanceOf(ApiException.class)
                .hasMessageContaining("from");
    }

    @Test
    void statusIsCaseInsensitiveAndChecked() {
        assertThat(new FilterParams(null, null, null, "replayed", null, null).toFilter().status())
                .isEqualTo(DeadLetterStatus.REPLAYED);
        assertThatThrownBy(() -> new FilterParams(null, null, null, "gone", null, null).toFilter())
                .isInstanceOf(ApiException.class);
    }
}
