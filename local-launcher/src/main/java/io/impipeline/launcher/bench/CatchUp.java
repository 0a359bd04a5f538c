package io.impipeline.launcher.bench;

import java.time.Duration;

import io.impipeline.launcher.chaos.LagSampler;

/**
 * Waits until the pipeline has done the work a run's messages caused: the simulator's run ends at the last delivery,
 * but consumers that are not on the delivery path (the dlq-handler storing trace events, the task-worker persisting)
 * may still be behind, and their work would otherwise be counted in the next run's CPU, or in none. Caught up means
 * that the consumer lag of the pipeline's groups ({@link LagSampler}) has not moved for {@link #STILL} (an idle
 * exactly-once pipeline keeps a small lag of transaction markers, so zero is not required).
 */
final class CatchUp {

    private static final Duration POLL = Duration.ofMillis(500);
    /** Longer than any group's commit interval (Streams 100 ms; listeners commit per poll). */
    private static final Duration STILL = Duration.ofSeconds(3);

    private CatchUp() {
    }

    /** @return how long until the lag stopped moving; the timeout if it still moved then */
    static Duration await(LagSampler lag, Duration timeout) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long previous = -1;
        long stillSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long now = sample(lag);
            if (now != previous || now < 0) {
                previous = now;
                stillSince = System.nanoTime();
            } else if (System.nanoTime() - stillSince >= STILL.toNanos()) {
                // Reported without the stillness; a caller's CPU window still includes those seconds (idle work,
                // the same in every variant).
                return Duration.ofNanos(stillSince - start);
            }
            Thread.sleep(POLL.toMillis());
        }
        System.out.println("catch-up: the pipeline's consumer lag still moved after " + timeout.toSeconds() + " s");
        return timeout;
    }

    private static long sample(LagSampler lag) {
        try {
            return lag.lag();
        } catch (Exception e) {
            return -1;
        }
    }
}
