package io.impipeline.dlq.capture;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import io.impipeline.dlq.letter.CapturedDeadLetter;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.model.topics.TopicKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/**
 * {@code im.dead_letters{topic, reason}}: dead letters stored, counted once each; and
 * {@code im.dead_letters.unstored}: dead letters that could not be stored at all (logged at ERROR, then skipped).
 * Both exist from start-up, at 0 for the dead-letter topic of every topic kind and every known reason, so that an
 * alert on {@code increase()} sees the first one.
 */
@Component
public class DeadLetterMetrics {

    public static final String STORED = "im.dead_letters";
    public static final String UNSTORED = "im.dead_letters.unstored";
    /** The reason tag of a record without {@code im_dlt-reason}. */
    public static final String UNKNOWN = "UNKNOWN";
    /** The reason tag of a reason header that is not a code (any text can be written to a DLQ topic). */
    public static final String INVALID = "INVALID";

    private static final Pattern CODE = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");

    private final MeterRegistry meters;
    private final Counter unstored;

    public DeadLetterMetrics(MeterRegistry meters, ImTopicsProperties topics) {
        this.meters = meters;
        for (TopicKind kind : TopicKind.values()) {
            for (String reason : knownReasons()) {
                stored(topics.dlqTopic(kind), reason);
            }
        }
        this.unstored = Counter.builder(UNSTORED)
                .description("Dead letters that could not be stored, not even as a CAPTURE_FAILED row; see the ERROR log")
                .register(meters);
    }

    /** Every reason code of the contract, plus {@value #UNKNOWN} and {@code CAPTURE_FAILED}. */
    public static List<String> knownReasons() {
        List<String> out = new ArrayList<>();
        for (ReasonCode r : ReasonCode.values()) {
            out.add(r.name());
        }
        out.add(UNKNOWN);
        out.add(CapturedDeadLetter.CAPTURE_FAILED);
        return out;
    }

    /** The tag for a stored reason: itself when it looks like a code, so that junk cannot make new series. */
    public static String reasonTag(String reason) {
        if (reason == null) {
            return UNKNOWN;
        }
        return CODE.matcher(reason).matches() ? reason : INVALID;
    }

    public void stored(CapturedDeadLetter d) {
        stored(d.dlqTopic(), reasonTag(d.reason())).increment();
    }

    public void unstored() {
        unstored.increment();
    }

    private Counter stored(String topic, String reason) {
        return Counter.builder(STORED).description("Dead letters stored, by dead-letter topic and reason")
                .tag("topic", topic).tag("reason", reason).register(meters);
    }
}
