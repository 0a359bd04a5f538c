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
        assertThat(status("replayed").toFilter().status()).isEqualTo(DeadLetterStatus.REPLAYED);
        assertThatThrownBy(() -> status("gone").toFilter()).isInstanceOf(ApiException.class);
    }

    @Test
    void filterValuesWithNulAreRefusedAsBadRequestsNotServerErrors() {
        assertThatThrownBy(() -> new FilterParams(null, null, null, null, null, null, "k\0", null, null, null, null)
                .toFilter()).isInstanceOf(ApiException.class).hasMessageContaining("key");
        assertThatThrownBy(() -> new FilterParams(null, null, null, null, null, null, null, null, null, null,
                "a\0b").toFilter()).isInstanceOf(ApiException.class).hasMessageContaining("exception_contains");
    }

    @Test
    void blankCriteriaDoNotCountAsAFilter() {
        assertThat(new FilterParams(" ", "", null, " ", null, null, "", " ", null, null, "").isEmpty()).isTrue();
        assertThat(new FilterParams(null, null, null, null, null, null, null, "m1", null, null, null).isEmpty())
                .isFalse();
        assertThat(new FilterParams(null, null, null, null, null, null, " k ", null, null, null, null).toFilter()
                .key()).as("a key is taken as given").isEqualTo(" k ");
    }

    private static FilterParams status(String status) {
        return new FilterParams(null, null, null, status, null, null, null, null, null, null, null);
    }
}
