package io.impipeline.dlq.capture;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.impipeline.dlq.letter.Bytes;
import io.impipeline.dlq.letter.CapturedDeadLetter;
import io.impipeline.dlq.settings.DlqProperties;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The WARN line of each stored dead letter, at most {@code im.dlq.capture.log-limit} per
 * {@code im.dlq.capture.log-interval}: a burst of dead letters (a bad deploy fails every record) must not flood the
 * log. What is left out is summed up in one WARN line at the end of the interval: how many, by reason. The metric
 * counts every dead letter regardless.
 */
@Component
public class DeadLetterLog {

    /** The logger of the per-dead-letter and summary lines (the capture listener's, as before). */
    static final Logger LOG = LoggerFactory.getLogger(DeadLetterCaptureListener.class);

    private final int limit;
    private final Duration interval;
    private final ScheduledExecutorService timer;
    private int loggedInWindow;
    private final Map<String, Long> suppressed = new TreeMap<>();

    @Autowired
    public DeadLetterLog(DlqProperties dlq) {
        this(dlq.capture().logLimit(), dlq.capture().logInterval(), true);
    }

    /** {@code schedule} false: the window only ends when {@link #endWindow()} is called (tests). */
    DeadLetterLog(int limit, Duration interval, boolean schedule) {
        this.limit = limit;
        this.interval = interval;
        if (schedule) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "dlq-capture-log");
                t.setDaemon(true);
                return t;
            });
            long ms = Math.max(1, interval.toMillis());
            timer.scheduleAtFixedRate(this::endWindow, ms, ms, TimeUnit.MILLISECONDS);
        } else {
            timer = null;
        }
    }

    /** Logs one stored dead letter, or counts it for the summary when the window's lines are used up. */
    public void stored(CapturedDeadLetter d) {
        String reason = DeadLetterMetrics.reasonTag(d.reason());
        synchronized (this) {
            if (loggedInWindow >= limit) {
                suppressed.merge(reason, 1L, Long::sum);
                return;
            }
            loggedInWindow++;
        }
        // Ids and reason only: the value, key and exception message may hold a user's message.
        // Texts from the record go through forLog: a header can hold a line break meant to forge a log line.
        if (d.captureError() != null) {
            LOG.warn("dead letter stored without its content (capture failed; the row's capture_error says why) "
                    + "dlq_topic={} partition={} offset={} reason={}", d.dlqTopic(), d.dlqPartition(), d.dlqOffset(),
                    reason);
        } else {
            LOG.warn("dead letter stored dlq_topic={} partition={} offset={} stage={} reason={} original_topic={} "
                            + "original_partition={} original_offset={} message_id={} exception={}", d.dlqTopic(),
                    d.dlqPartition(), d.dlqOffset(), Bytes.forLog(d.stage()), reason, Bytes.forLog(d.originalTopic()),
                    d.originalPartition(), d.originalOffset(), Bytes.forLog(d.ids().messageId()),
                    Bytes.forLog(d.exceptionClass()));
        }
    }

    /** Ends the current window: the summary line of what was left out, if anything, and a fresh allowance. */
    public void endWindow() {
        Map<String, Long> left;
        synchronized (this) {
            loggedInWindow = 0;
            if (suppressed.isEmpty()) {
                return;
            }
            left = new TreeMap<>(suppressed);
            suppressed.clear();
        }
        long total = left.values().stream().mapToLong(Long::longValue).sum();
        LOG.warn("dead letters stored but not logged one by one suppressed={} interval={} by_reason={} "
                + "(at most {} lines per interval; im_dead_letters_total counts all)", total, interval, left, limit);
    }

    @PreDestroy
    void stop() {
        if (timer != null) {
            timer.shutdownNow();
        }
        endWindow();
    }
}
