package io.impipeline.launcher.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TraceCostReportTest {

    @Test
    void theTotalLeavesOutTheSimulatorAndTheRatioIsOffOverOnPerRound() {
        Map<String, List<FixedRateCost.Result[]>> costs = new LinkedHashMap<>();
        costs.put("on", List.of(round(1.0, 2.0, 9.0), round(1.2, 2.0, 1.0)));
        costs.put("off", List.of(round(1.0, 1.0, 1.0), round(1.0, 1.2, 1.0)));

        assertThat(costs.get("on").get(0)[0].total()).isEqualTo(3.0);
        String report = TraceCostReport.render("t", "m", costs);

        // round 1: off 2.0 / on 3.0; round 2: off 2.2 / on 3.2; median of the two
        assertThat(report).contains("[0.667, 0.688]").contains("| 0.677 |")
                .contains("upstream-router +0.900;").contains("dlq-handler +0.100;");
    }

    @Test
    void whatAProcessSpentIsTheDifferenceOfTwoSnapshots() {
        Map<String, Long> spent = ProcessCpu.between(Map.of("kafka", 100L, "gone", 5L),
                Map.of("kafka", 250L, "new", 30L));
        assertThat(spent).containsEntry("kafka", 150L).containsEntry("new", 30L).doesNotContainKey("gone");
    }

    @Test
    void aSnapshotSeesThisJvmAsTheSimulator() {
        assertThat(ProcessCpu.snapshot(List.of())).containsKey(ProcessCpu.SIMULATOR);
    }

    private static FixedRateCost.Result[] round(double dlq, double router, double simulator) {
        FixedRateCost.Result r = new FixedRateCost.Result(Map.of("dlq-handler", dlq, "upstream-router", router,
                ProcessCpu.SIMULATOR, simulator), 100);
        return new FixedRateCost.Result[] {r, r};
    }
}
