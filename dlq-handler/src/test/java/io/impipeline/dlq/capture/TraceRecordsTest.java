package io.impipeline.dlq.capture;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Random;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.trace.TraceEvent;
import io.impipeline.model.trace.TraceStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TraceRecordsTest {

    private static ConsumerRecord<String, byte[]> record(byte[] value) {
        return new ConsumerRecord<>("im-trace-topic", 2, 77, "m1", value);
    }

    private static ConsumerRecord<String, byte[]> record(String json) {
        return record(json.getBytes(StandardCharsets.UTF_8));
    }

    private static TraceRecords.Result read(String json) {
        return TraceRecords.read(record(json), 16_384);
    }

    @Test
    void aTraceEventIsReadWithItsCoordinates() {
        TraceEvent e = new TraceEvent("m1", "u1", TraceStage.PUSH_TASK, "downstream-dispatcher", 1_795_856_400_123L,
                Map.of("users", 3));
        TraceRecords.Result r = TraceRecords.read(record(WireJson.toBytes(e)), 16_384);
        assertThat(r.readable()).isTrue();
        assertThat(r.event().messageId()).isEqualTo("m1");
        assertThat(r.event().fromUserId()).isEqualTo("u1");
        assertThat(r.event().stage()).isEqualTo("push_task");
        assertThat(r.event().app()).isEqualTo("downstream-dispatcher");
        assertThat(r.event().at()).isEqualTo(Instant.parse("2026-11-28T09:00:00.123Z"));
        assertThat(r.event().detailJson()).isEqualTo("{\"users\":3}");
        assertThat(r.event().partition()).isEqualTo(2);
        assertThat(r.event().offset()).isEqualTo(77);
    }

    @Test
    void aRecordThatIsNoStorableTraceEventIsUnreadableAndSaysWhyWithoutItsContent() {
        String ok = "\"from_user_id\":\"u\",\"stage\":\"accepted\",\"app\":\"a\",\"at\":1";
        assertThat(read("not json").problem()).startsWith("not a trace event");
        assertThat(read("{\"message_id\":\"secret-words\"," + ok.replace("accepted", "teleported") + "}").problem())
                .startsWith("not a trace event").doesNotContain("secret");
        assertThat(read("{" + ok + "}").readable()).as("no message id").isFalse();
        assertThat(read("{\"message_id\":\"m\\u0000\"," + ok + "}").problem()).contains("message_id");
        assertThat(read("{\"message_id\":\"" + "x".repeat(257) + "\"," + ok + "}").problem())
                .contains("longer than 256");
        assertThat(read("{\"message_id\":\"m\"," + ok.replace("\"at\":1", "\"at\":-5") + "}").problem())
                .contains("at");
        assertThat(read("{\"message_id\":\"m\"," + ok + ",\"detail\":{\"k\":\"a\\u0000b\"}}").readable()).isFalse();
        assertThat(read("{\"message_id\":\"m\"," + ok + ",\"detail\":{\"k\":\"" + "y".repeat(20_000) + "\"}}")
                .problem()).contains("detail larger");
        assertThat(TraceRecords.read(record((byte[]) null), 100).problem()).isEqualTo("empty value");
        assertThat(read("{\"message_id\":\"m\"," + ok + ",\"detail\":{\"k\":[1,{\"n\":null}]}}").readable())
                .as("nested detail is fine").isTrue();
    }

    @Test
    void theDetailIsStoredAsTheBytesItArrivedInAndAnAbsentOneAsAnEmptyObject() {
        String ok = "\"message_id\":\"m\",\"from_user_id\":\"u\",\"stage\":\"routed\",\"app\":\"a\",\"at\":1";
        assertThat(read("{" + ok + ",\"detail\": { \"seq\" : 7, \"to\": [\"g1\", {\"p\": 2}] } }").event().detailJson())
                .isEqualTo("{ \"seq\" : 7, \"to\": [\"g1\", {\"p\": 2}] }");
        assertThat(read("{\"detail\":{\"é\":\"ü\"}," + ok + "}").event().detailJson())
                .as("before the other fields, multi-byte text").isEqualTo("{\"é\":\"ü\"}");
        assertThat(read("{" + ok + "}").event().detailJson()).isEqualTo("{}");
        assertThat(read("{" + ok + ",\"detail\":null}").event().detailJson()).isEqualTo("{}");
        assertThat(read("{" + ok + ",\"newer_field\":{\"x\":[1,2]},\"detail\":{}}").event().detailJson())
                .as("unknown fields are skipped").isEqualTo("{}");
    }

    @Test
    void aDetailPostgresWouldRefuseOrThatIsNoObjectIsUnreadable() {
        String ok = "\"message_id\":\"m\",\"from_user_id\":\"u\",\"stage\":\"routed\",\"app\":\"a\",\"at\":1";
        assertThat(read("{" + ok + ",\"detail\":{\"k\":\"\\ud800\"}}").problem()).as("lone surrogate escape")
                .contains("cannot store");
        assertThat(read("{" + ok + ",\"detail\":{\"a\\u0000\":1}}").problem()).as("NUL in a name")
                .contains("cannot store");
        assertThat(read("{" + ok + ",\"detail\":" + "[".repeat(40) + "]".repeat(40) + "}").problem())
                .contains("not a trace event");
        assertThat(read("{" + ok + ",\"detail\":{\"d\":" + "[".repeat(40) + "]".repeat(40) + "}}").problem())
                .contains("nested too deep");
        assertThat(read("{" + ok + ",\"detail\":{\"k\":1,\"k\":2}}").problem()).as("a name twice")
                .startsWith("not a trace event");
        assertThat(read("{" + ok + "} {}").problem()).startsWith("not a trace event");
        assertThat(read("{" + ok + ",\"detail\":{\"k\":1}").problem()).as("cut short")
                .startsWith("not a trace event");
        assertThat(read("{" + ok.replace("\"at\":1", "\"at\":1.5") + "}").problem()).contains("at");
        assertThat(read("[" + ok + "]").readable()).isFalse();
    }

    @Test
    void readingNeverThrows() {
        Random random = new Random(15);
        for (int i = 0; i < 2_000; i++) {
            byte[] bytes = new byte[random.nextInt(64)];
            random.nextBytes(bytes);
            if (i % 2 == 0 && bytes.length > 0) {
                bytes[0] = '{';
            }
            assertThat(TraceRecords.read(record(bytes), 1_000).readable()).isFalse();
        }
    }
}
