package io.impipeline.launcher.chaos;

import java.util.List;

/**
 * A chaos scenario: starts the pipeline shape it needs (its own data directory), runs one or more parts (each a
 * simulator run with a fault, each one {@link Outcome}), and closes the pipeline.
 */
public interface Scenario {

    /** The scenario's number in {@code --scenarios}, e.g. {@code 1}. */
    String number();

    /** Its parts, e.g. {@code 1-router}, in the order they run. */
    List<String> parts();

    /** What it does, one line. */
    String description();

    /** Whether {@code --scenarios} runs it when not named (the negative control does not run by default). */
    default boolean byDefault() {
        return true;
    }

    /** Runs the given parts (a non-empty subset of {@link #parts()}), reporting each outcome to the context. */
    void run(ChaosContext context, List<String> selected) throws Exception;
}
