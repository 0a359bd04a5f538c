package io.impipeline.launcher.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import io.impipeline.launcher.AppProcess;

/**
 * CPU time per process of the launched pipeline, from {@code /proc/<pid>/stat} (Linux): each app's JVM by its
 * instance, the Kafka nodes, PostgreSQL (the postmaster and its backends) and this benchmark's JVM (the simulator).
 * Two snapshots around a run give where the run's CPU went, which tells a cost (trace events, say) to the process that
 * pays it. Processes that start and end between the snapshots are not seen (the machine's total, {@link MachineCpu},
 * includes them).
 *
 * <p>A Streams app's RocksDB background threads (memtable flushes, compactions) are a group of their own,
 * {@code <app>}{@value #ROCKSDB_SUFFIX}, taken out of the app's: how much work they do in a run depends on when the
 * stores' memtables happen to fill and their files to be compacted, not on the traffic alone, and was the largest part
 * of the router's spread between identical runs (docs/benchmarks.md, session 15).
 */
final class ProcessCpu {

    static final String KAFKA = "kafka";
    static final String POSTGRES = "postgresql";
    static final String SIMULATOR = "benchmark (simulator)";
    static final String ROCKSDB_SUFFIX = ": RocksDB background";
    /** RocksDB names its background threads {@code rocksdb:low} (compactions) and {@code rocksdb:high} (flushes). */
    private static final String ROCKSDB_THREAD = "rocksdb:";
    private static final Path PROC = Path.of("/proc");
    /** The main class of a Kafka node's command line ({@code KafkaServerProcess}). */
    private static final String KAFKA_MAIN = "kafka.Kafka";

    private ProcessCpu() {
    }

    /** CPU milliseconds per process group since each process started; empty where there is no {@code /proc}. */
    static Map<String, Long> snapshot(Iterable<AppProcess> apps) {
        Map<Long, String> appPids = new LinkedHashMap<>();
        apps.forEach(a -> {
            if (a.isAlive()) {
                appPids.put(a.pid(), a.instanceId());
            }
        });
        long self = ProcessHandle.current().pid();
        Map<String, Long> millis = new TreeMap<>();
        if (!Files.isDirectory(PROC)) {
            return millis;
        }
        try (Stream<Path> entries = Files.list(PROC)) {
            entries.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
                long pid = Long.parseLong(p.getFileName().toString());
                String group = appPids.containsKey(pid) ? appPids.get(pid) : pid == self ? SIMULATOR : other(p);
                if (group != null) {
                    long cpu = cpuMillis(p);
                    if (cpu >= 0) {
                        long rocksdb = appPids.containsKey(pid) ? rocksdbMillis(p) : 0;
                        millis.merge(group, cpu - rocksdb, Long::sum);
                        if (rocksdb > 0) {
                            millis.merge(group + ROCKSDB_SUFFIX, rocksdb, Long::sum);
                        }
                    }
                }
            });
        } catch (IOException e) {
            return millis;
        }
        return millis;
    }

    /** What each group spent between two snapshots (groups whose processes all ended are left out). */
    static Map<String, Long> between(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> delta = new TreeMap<>();
        after.forEach((group, ms) -> delta.put(group, Math.max(0, ms - before.getOrDefault(group, 0L))));
        return delta;
    }

    private static String other(Path process) {
        try {
            String comm = Files.readString(process.resolve("comm"), StandardCharsets.UTF_8).trim();
            if (comm.equals("postgres")) {
                return POSTGRES;
            }
            String cmdline = Files.readString(process.resolve("cmdline"), StandardCharsets.UTF_8);
            return cmdline.contains("\0" + KAFKA_MAIN + "\0") ? KAFKA : null;
        } catch (IOException e) {
            return null; // ended while we looked
        }
    }

    /**
     * CPU of the process's live RocksDB background threads ({@code /proc/<pid>/task/<tid>}). They live as long as the
     * app (one thread pool per process); a thread that ended between two snapshots would move its CPU back into the
     * app's group.
     */
    static long rocksdbMillis(Path process) {
        try (Stream<Path> threads = Files.list(process.resolve("task"))) {
            return threads.filter(t -> {
                try {
                    return Files.readString(t.resolve("comm"), StandardCharsets.UTF_8).startsWith(ROCKSDB_THREAD);
                } catch (IOException e) {
                    return false; // ended while we looked
                }
            }).mapToLong(ProcessCpu::cpuMillis).filter(ms -> ms > 0).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    /** utime + stime of a process or, under {@code task/}, of one thread; -1 if it ended while we looked. */
    private static long cpuMillis(Path process) {
        try {
            String stat = Files.readString(process.resolve("stat"), StandardCharsets.UTF_8);
            // After "(comm)": state is field 3, utime 14 and stime 15 of the whole line.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1000 / MachineCpu.TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
