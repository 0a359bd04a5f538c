package io.impipeline.dlq.store;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DeadLetterFilterTest {

    @Test
    void theFilterOfABulkChangeIsDescribedOnOneUnambiguousLine() {
        assertThat(new DeadLetterFilter(null, null, null, null, null, null).describe()).isEqualTo("(all)");
        DeadLetterFilter f = new DeadLetterFilter("im-upstream-topic", null, "TOO_LARGE", DeadLetterStatus.NEW,
                Instant.parse("2026-11-28T09:00:00Z"), null, "a key", null, "u=1", null, "say \"hi\"\n");
        assertThat(f.describe()).isEqualTo("original_topic=im-upstream-topic reason=TOO_LARGE status=NEW "
                + "from=2026-11-28T09:00:00Z key=\"a key\" from_user_id=\"u=1\" "
                + "exception_contains=\"say \\\"hi\\\"\\u000a\"");
        assertThat(f.asMap()).containsKeys("original_topic", "reason", "status", "from", "key", "from_user_id",
                "exception_contains").doesNotContainKeys("stage", "to", "message_id");
    }
}
