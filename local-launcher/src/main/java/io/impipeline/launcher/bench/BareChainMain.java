package io.impipeline.launcher.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * {@code bench/bare-chain}: {@link BareChain} alone against a running broker, one line per run.
 *
 * <pre>
 * --bootstrap-servers=localhost:9092   (required)
 * --rate=1000 --seconds=30 --record-bytes=1024 --warm-up-seconds=5 --drain-seconds=120
 * --commit-ms=100          a comma-separated list runs each in turn: --commit-ms=100,50,20
 * --guarantee=exactly_once_v2   or at_least_once; a list too: every guarantee with every commit interval
 * --hops=3 --partitions=10 --replication=1
 * </pre>
 *
 * Exits 1 when a run lost or duplicated a record.
 */
public final class BareChainMain {

    private static final Set<String> OPTIONS = Set.of("--bootstrap-servers", "--rate", "--seconds", "--record-bytes",
            "--warm-up-seconds", "--drain-seconds", "--commit-ms", "--guarantee", "--hops", "--partitions",
            "--replication");

    private BareChainMain() {
    }

    public static void main(String[] args) throws Exception {
        for (String a : args) {
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println("options (name=value): " + String.join(" ", OPTIONS.stream().sorted().toList()));
                return;
            }
            if (!OPTIONS.contains(name) || !a.contains("=")) {
                System.err.println("unknown option " + a + "; known (as name=value): "
                        + String.join(" ", OPTIONS.stream().sorted().toList()));
                System.exit(2);
            }
        }
        String bootstrap = arg(args, "--bootstrap-servers", null);
        if (bootstrap == null || bootstrap.isBlank()) {
            System.err.println("--bootstrap-servers=host:port is required");
            System.exit(2);
        }
        BareChain.Settings base = BareChain.Settings.defaults()
                .withRate(Integer.parseInt(arg(args, "--rate", "1000")))
                .withDuration(Duration.ofSeconds(Long.parseLong(arg(args, "--seconds", "30"))))
                .withRecordBytes(Integer.parseInt(arg(args, "--record-bytes", "1024")))
                .withWarmUp(Duration.ofSeconds(Long.parseLong(arg(args, "--warm-up-seconds", "5"))))
                .withDrainTimeout(Duration.ofSeconds(Long.parseLong(arg(args, "--drain-seconds", "120"))))
                .withHops(Integer.parseInt(arg(args, "--hops", "3")))
                .withTopics(Integer.parseInt(arg(args, "--partitions", "10")),
                        Short.parseShort(arg(args, "--replication", "1")));
        List<BareChain.Settings> runs = new ArrayList<>();
        for (String guarantee : list(arg(args, "--guarantee", "exactly_once_v2"))) {
            for (String commit : list(arg(args, "--commit-ms", "100"))) {
                runs.add(base.withGuarantee(BareChain.Guarantee.parse(guarantee))
                        .withCommitInterval(Duration.ofMillis(Long.parseLong(commit))));
            }
        }
        boolean allComplete = true;
        for (BareChain.Settings settings : runs) {
            BareChain.Result result = BareChain.run(bootstrap, settings);
            System.out.println(result.render());
            allComplete &= result.complete();
        }
        System.exit(allComplete ? 0 : 1);
    }

    private static List<String> list(String value) {
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static String arg(String[] args, String name, String fallback) {
        String value = fallback;
        for (String a : args) {
            if (a.startsWith(name + "=")) {
                value = a.substring(name.length() + 1); // the last one wins
            }
        }
        return value;
    }
}
