package io.impipeline.platform.messagetrace;

/**
 * Whether this app writes message trace events now (issue 15). {@code im.trace.enabled} decides at start whether the
 * app is built to write them at all (off, a Streams topology has no trace branches); while it is, an operator can
 * pause the writing and resume it without a restart ({@link TraceWritingController}): the trace's cost is shed at
 * once, e.g. while a backlog drains, and the benchmark compares trace on and off inside one running pipeline.
 *
 * <p>Read once per record by the writers, so a pause takes effect at the next record. Messages handled while paused
 * have no events from this app: their trace lists the other apps' stages only.
 */
public final class TraceSwitch {

    private final boolean enabled;
    private volatile boolean paused;

    private TraceSwitch(boolean enabled) {
        this.enabled = enabled;
    }

    /** @param enabled {@code im.trace.enabled}: built to write trace events; writing unless paused */
    public static TraceSwitch of(boolean enabled) {
        return new TraceSwitch(enabled);
    }

    /** {@code im.trace.enabled}: the app was started to write trace events (its topology has the trace branches). */
    public boolean enabled() {
        return enabled;
    }

    /** Write trace events for the record at hand: enabled and not paused. */
    public boolean writing() {
        return enabled && !paused;
    }

    /**
     * Pauses or resumes the writing.
     *
     * @return whether it was writing before
     * @throws IllegalStateException to resume an app started with {@code im.trace.enabled=false}: it has nothing to
     *                               write with, only a restart with it true does
     */
    public boolean write(boolean writing) {
        if (writing && !enabled) {
            throw new IllegalStateException("this app was started with im.trace.enabled=false and has no trace "
                    + "outputs: restart it with im.trace.enabled=true to write trace events");
        }
        boolean before = writing();
        paused = !writing;
        return before;
    }
}
