package io.impipeline.launcher.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class TraceCostReportTest {

    /** Where the busy threads leave their sums, so that the JIT keeps their loops. */
    private static volatile long sink;

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
    void anAppsRocksDbThreadsAreAColumnOfTheirOwnAndStayInTheTotal() {
        FixedRateCost.Result r = new FixedRateCost.Result(Map.of("upstream-router", 0.07,
                "upstream-router" + ProcessCpu.ROCKSDB_SUFFIX, 0.02, ProcessCpu.SIMULATOR, 0.05), 100);
        FixedRateCost.Result[] round = {r, r};
        Map<String, List<FixedRateCost.Result[]>> costs = Map.of("off", List.<FixedRateCost.Result[]>of(round));

        assertThat(r.total()).isCloseTo(0.09, Offset.offset(1e-9));
        assertThat(TraceCostReport.render("t", "m", costs)).contains("a column of their own")
                .contains("| upstream-router | upstream-router: RocksDB background |");
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

    @Test
    void onlyThreadsNamedAsRocksDbNamesItsBackgroundThreadsCountAsRocksDb() throws Exception {
        Path self = Path.of("/proc", String.valueOf(ProcessHandle.current().pid()));
        assumeTrue(Files.isDirectory(self.resolve("task")), "needs Linux /proc");
        long before = ProcessCpu.rocksdbMillis(self);

        CountDownLatch done = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        // The JVM gives a thread's name to its native thread (/proc/<pid>/task/<tid>/comm), as RocksDB does its own.
        busy("rocksdb:low", done, release).start();
        busy("not-rocksdb:x", done, release).start();
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        long during = ProcessCpu.rocksdbMillis(self);
        release.countDown();

        // The rocksdb thread spent 300 ms of CPU (clock ticks: 10 ms); the other one's 300 ms are not counted.
        assertThat(during - before).isBetween(280L, 450L);
    }

    /** A thread that spends 300 ms of CPU, says so, and stays alive (its CPU stays visible) until released. */
    private static Thread busy(String name, CountDownLatch done, CountDownLatch release) {
        Thread t = new Thread(() -> {
            var threads = ManagementFactory.getThreadMXBean();
            long x = 0;
            while (threads.getCurrentThreadCpuTime() < TimeUnit.MILLISECONDS.toNanos(300)) {
                x += System.nanoTime() % 7;
            }
            sink = x;
            done.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
        t.setDaemon(true);
        return t;
    }

    private static FixedRateCost.Result[] round(double dlq, double router, double simulator) {
        FixedRateCost.Result r = new FixedRateCost.Result(Map.of("dlq-handler", dlq, "upstream-router", router,
                ProcessCpu.SIMULATOR, simulator), 100);
        return new FixedRateCost.Result[] {r, r};
    }
}
