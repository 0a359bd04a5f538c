package io.impipeline.launcher.chaos;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.function.Consumer;

/** What a scenario runs with: the settings, a log for the chatter, the terminal for progress, where outcomes go. */
public record ChaosContext(ChaosSettings settings, PrintStream log, PrintStream console, Consumer<Outcome> outcomes) {

    /** A progress line on the terminal (and in the log). */
    public void progress(String line) {
        String stamped = LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")) + " " + line;
        console.println(stamped);
        if (log != console) {
            log.println(stamped);
        }
    }

    /** One outcome: its line on the terminal, the outcome to the report. */
    public void report(Outcome outcome) {
        console.println(outcome.line());
        if (log != console) {
            log.println(outcome.line());
        }
        outcomes.accept(outcome);
    }
}
