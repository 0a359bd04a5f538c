package io.impipeline.launcher;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Stopping child processes so that none is left behind. */
final class Processes {

    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    private Processes() {
    }

    /** SIGTERM (a JVM runs its shutdown hooks: Spring and Kafka shut down cleanly), then SIGKILL after the grace. */
    static void stop(Process process, Duration grace) {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
