package io.impipeline.launcher.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time the whole machine spent busy, from {@code /proc/stat} (Linux): user, nice, system, irq, softirq and steal
 * of all cores, in milliseconds. On a machine that runs nothing but the pipeline and the benchmark, the busy time a
 * run costs divided by its messages is what a message costs, a far steadier figure than the saturation rate when the
 * pipeline's own processes share two cores (the rate of one run depends on which process the scheduler favoured).
 */
final class MachineCpu {

    private static final Path STAT = Path.of("/proc/stat");
    /** USER_HZ: the unit of /proc/stat and /proc/<pid>/stat on every Linux architecture we run on. */
    static final int TICKS_PER_SECOND = 100;

    private MachineCpu() {
    }

    /** Busy milliseconds since boot, or -1 where there is no {@code /proc/stat}. */
    static long busyMillis() {
        if (!Files.isReadable(STAT)) {
            return -1;
        }
        try (var lines = Files.lines(STAT)) {
            String cpu = lines.filter(l -> l.startsWith("cpu ")).findFirst().orElseThrow();
            String[] f = cpu.trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal ...
            long busy = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                busy += i < f.length ? Long.parseLong(f[i]) : 0;
            }
            return busy * 1000 / TICKS_PER_SECOND;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
