package io.impipeline.platform.web;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OperatorTest {

    @Test
    void theOperatorIsTheTrimmedHeaderOrApi() {
        assertThat(Operator.of(null).name()).isEqualTo("api");
        assertThat(Operator.of("  alice@example.com ").name()).isEqualTo("alice@example.com");
        assertThat(Operator.of("Zoë O'Brien (on-call)").name()).isEqualTo("Zoë O'Brien (on-call)");
        assertThat(Operator.of("运维-王").name()).isEqualTo("运维-王");
        assertThat(Operator.of("x".repeat(64)).name()).hasSize(64);
    }

    @Test
    void anEmptyTooLongOrNonPrintableOperatorIsRefused() {
        for (String bad : new String[] {"", "   ", "x".repeat(65), "a\tb", "a\u0000b", "a\nb", "a\u202Eb",
                "a\u200Bb", "a\uD800b"}) {
            assertThatThrownBy(() -> Operator.of(bad)).as(bad).isInstanceOf(ApiException.class)
                    .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo("INVALID_FIELD"));
        }
    }
}
