package io.impipeline.dlq;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import io.impipeline.model.codec.ReasonCode;
import io.impipeline.testkit.TestPostgres;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CaptureDuringDatabaseOutageIntegrationTest extends DlqIntegrationSupport {

    @Test
    void deadLetterArrivingWhileTheDatabaseIsDownIsStoredWhenItIsBack() throws Exception {
        String dlq = unique("im-routed-topic") + "-dlq";
        createTopics(1, dlq);
        TestPostgres pg = TestPostgres.shared();
        pg.stop();
        try {
            sendDeadLetter(dlq, "im-routed-topic", 1, "k", "v".getBytes(StandardCharsets.UTF_8),
                    ReasonCode.PROCESSING_ERROR, Map.of());
            // Long enough for the listener to poll it and fail at least once (metadata refresh is 1 s).
            Thread.sleep(Duration.ofSeconds(4).toMillis());
            assertThat(get("/actuator/health").body().get("components").get("db").get("status").asString())
                    .isEqualTo("DOWN");
        } finally {
            pg.start();
        }
        awaitStored(dlq, 1);
        assertThat(storedCount(dlq)).isEqualTo(1);
    }
}
