package io.impipeline.simulator;

/** One line of live progress. */
public final class ProgressLine {

    private ProgressLine() {
    }

    public static String of(DeliveryChecker.Progress p) {
        return String.format("sent %6d | records %6d | delivered %7d | pushes %5d | dead-lettered %4d | persisted %6d "
                        + "| p95 %7.1f ms | problems %d", p.sent(), p.records(), p.delivered(), p.pushes(),
                p.deadLettered(), p.persisted(), p.p95Millis(), p.problems());
    }
}
