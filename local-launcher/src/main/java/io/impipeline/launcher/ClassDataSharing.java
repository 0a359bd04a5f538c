package io.impipeline.launcher;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Application class-data sharing (JDK 17 dynamic CDS archives) for an app the launcher starts: measured to cut an
 * app's start by a quarter to a half on two cores (docs/reliability.md, sessions 4 and 11), which is most of what a
 * restart after {@code kill -9} waits for. The first start of a freshly built module records its classes
 * ({@code -XX:ArchiveClassesAtExit}; the archive is written when the app stops gracefully); later starts map them
 * ({@code -XX:SharedArchiveFile}); on JDK 25 and later an AOT cache ({@code -XX:AOTCacheOutput}, {@code -XX:AOTCache})
 * instead. CDS only shares classes from jars, so the app runs from a copy of its module's jar and of the project's
 * own jars it depends on (kept until their content changes), which must be at least as new as {@code target/classes}: after {@code ./mvnw test} without {@code package} (the test
 * suite in CI) there is no such jar and the app starts from {@code target/classes} without CDS, as before.
 * {@code IM_CDS=off} turns it off. A stale or unreadable archive is ignored by the JVM (it starts without it).
 */
public final class ClassDataSharing {

    /** Where the archive of a module lives: next to its jar, so {@code mvn clean} removes both. */
    static final String ARCHIVE_DIRECTORY = "target/cds";
    /** Copies of the project's own jars the app depends on, inside {@link #ARCHIVE_DIRECTORY}. */
    static final String LIBRARIES = "lib";

    /** What the JVM records and maps: a dynamic CDS archive, or from JDK 25 on an AOT cache. */
    enum ArchiveKind {
        // The recording JVM warns about every class it cannot archive (generated accessors, old class files): quiet.
        CDS(".jsa", "-XX:SharedArchiveFile=", "-XX:ArchiveClassesAtExit=", "-Xlog:cds=off", "-Xlog:cds+dynamic=off"),
        AOT_CACHE(".aot", "-XX:AOTCache=", "-XX:AOTCacheOutput=", "-Xlog:aot=off", "-Xlog:cds=off");

        private final String suffix;
        private final String useFlag;
        private final String recordFlag;
        private final List<String> quietWhileRecording;

        ArchiveKind(String suffix, String useFlag, String recordFlag, String... quietWhileRecording) {
            this.suffix = suffix;
            this.useFlag = useFlag;
            this.recordFlag = recordFlag;
            this.quietWhileRecording = List.of(quietWhileRecording);
        }

        static ArchiveKind of(AppJava java) {
            return java.aotCache() ? AOT_CACHE : CDS;
        }

        /** The JVM's own warnings stay on: an archive it refuses is a line in the app's log, not a silent slow start. */
        List<String> use(Path archive) {
            return List.of(useFlag + archive);
        }

        List<String> record(Path archive) {
            List<String> flags = new ArrayList<>(quietWhileRecording.size() + 1);
            flags.add(recordFlag + archive);
            flags.addAll(quietWhileRecording);
            return flags;
        }

        static boolean any(List<String> flags, Function<ArchiveKind, String> flag) {
            return flags.stream().anyMatch(f -> Arrays.stream(values()).anyMatch(k -> f.startsWith(flag.apply(k))));
        }
    }

    private ClassDataSharing() {
    }

    /**
     * @param module       the app's module directory
     * @param dependencies the app's runtime classpath as the build wrote it
     * @param recorder     whether this instance may record the archive (one instance per module: two would write one
     *                     file at once)
     * @param java         the JDK that runs the app: from JDK 25 on the archive is an AOT cache (JEP 483, 514, 515:
     *                     classes loaded and linked, and the training run's method profiles, so the JIT compiles the
     *                     hot paths sooner), recorded at the first graceful stop the same way
     * @param otherJvmFlags the app's other JVM flags ({@code IM_JVM_OPTS_<APP>}): when one of them hooks class
     *                     loading ({@link #hooksClassLoading}) the app runs without an archive
     * @return the classpath and the JVM flags that go with it
     */
    public static Launch plan(Path module, List<Path> dependencies, boolean recorder, AppJava java,
                              List<String> otherJvmFlags) {
        Path classes = module.resolve("target/classes");
        if (hooksClassLoading(otherJvmFlags)) {
            return new Launch(prepend(classes, dependencies), List.of(), "a flight recording or an agent");
        }
        if ("off".equalsIgnoreCase(System.getenv("IM_CDS"))) {
            return new Launch(prepend(classes, dependencies), List.of());
        }
        Optional<Path> jar = freshJar(module, classes);
        if (jar.isEmpty()) {
            return new Launch(prepend(classes, dependencies), List.of());
        }
        // The JVM ties an archive to the size and modification time of every jar on the classpath, and `mvn package`
        // rewrites a module's jar even when nothing changed (shared-platform's build info is written by every build):
        // the app runs from copies of the app's jar and of the project's own jars it depends on, replaced only when
        // their content changes. Jars from the local Maven repository do not change under a version.
        Path directory = module.resolve(ARCHIVE_DIRECTORY);
        String name = module.getFileName().toString();
        ArchiveKind kind = ArchiveKind.of(java);
        Path archive = directory.resolve(name + kind.suffix);
        Path copy = directory.resolve(name + ".jar");
        Path fingerprint = directory.resolve(name + ".jar.content");
        Path repository = module.toAbsolutePath().getParent();
        Map<Path, Path> copies = new LinkedHashMap<>();
        copies.put(jar.get(), copy);
        for (Path dependency : dependencies) {
            if (isProjectJar(dependency, repository)) {
                copies.put(dependency, directory.resolve(LIBRARIES).resolve(dependency.getFileName()));
            }
        }
        List<Path> copiedClasspath = new ArrayList<>();
        copiedClasspath.add(copy);
        dependencies.forEach(d -> copiedClasspath.add(copies.getOrDefault(d, d)));
        try {
            StringBuilder content = new StringBuilder();
            for (Path source : copies.keySet()) {
                content.append("# ").append(source.getFileName()).append('\n').append(contentOf(source));
            }
            boolean sameContent = copies.values().stream().allMatch(Files::isRegularFile)
                    && Files.isRegularFile(fingerprint) && Files.readString(fingerprint).contentEquals(content);
            if (sameContent && isNewer(archive, copy)) {
                return new Launch(copiedClasspath, kind.use(archive));
            }
            if (!recorder) {
                return new Launch(prepend(jar.get(), dependencies), List.of());
            }
            Files.createDirectories(directory.resolve(LIBRARIES));
            Files.deleteIfExists(archive);
            if (!sameContent) {
                for (Map.Entry<Path, Path> c : copies.entrySet()) {
                    Files.copy(c.getKey(), c.getValue(), StandardCopyOption.REPLACE_EXISTING);
                }
                Files.writeString(fingerprint, content);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Launch(copiedClasspath, kind.record(archive));
    }

    /**
     * Whether these JVM flags install a class-file load hook: a flight recording ({@code bench/profile}) or an agent.
     * JDK 17 crashed (SIGSEGV in {@code KlassFactory::check_shared_class_file_load_hook}) loading a class from a
     * dynamic archive with a flight recording on; an archive is not worth that risk in a run that profiles.
     */
    static boolean hooksClassLoading(List<String> jvmFlags) {
        return jvmFlags.stream().anyMatch(f -> f.startsWith("-XX:StartFlightRecording") || f.startsWith("-javaagent:")
                || f.startsWith("-agentlib:") || f.startsWith("-agentpath:"));
    }

    /** A jar this project's build writes (a module's {@code target/*.jar}), not one from the Maven repository. */
    private static boolean isProjectJar(Path entry, Path repository) {
        Path absolute = entry.toAbsolutePath().normalize();
        return absolute.startsWith(repository) && absolute.getFileName().toString().endsWith(".jar")
                && absolute.getParent() != null && absolute.getParent().getFileName().toString().equals("target");
    }

    private static List<Path> prepend(Path first, List<Path> rest) {
        List<Path> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }

    /** What a jar holds, independent of when it was written: its entries' names, sizes and CRCs. */
    static String contentOf(Path jar) throws IOException {
        StringBuilder out = new StringBuilder();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            zip.stream().sorted(Comparator.comparing(ZipEntry::getName)).forEach(e -> out.append(e.getName())
                    .append(' ').append(e.getSize()).append(' ').append(Long.toHexString(e.getCrc())).append('\n'));
        }
        return out.toString();
    }

    /** The module's plain jar, when it exists and no compiled class is newer. */
    static Optional<Path> freshJar(Path module, Path classes) {
        Path target = module.resolve("target");
        if (!Files.isDirectory(target) || !Files.isDirectory(classes)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(target)) {
            Optional<Path> jar = files.filter(p -> p.getFileName().toString().endsWith(".jar"))
                    .filter(p -> !p.getFileName().toString().endsWith("-exec.jar"))
                    .findFirst();
            if (jar.isEmpty()) {
                return jar;
            }
            FileTime built = Files.getLastModifiedTime(jar.get());
            try (Stream<Path> compiled = Files.walk(classes)) {
                boolean stale = compiled.filter(Files::isRegularFile).anyMatch(p -> newerThan(p, built));
                return stale ? Optional.empty() : jar;
            }
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean isNewer(Path file, Path than) {
        try {
            return Files.isRegularFile(file) && Files.size(file) > 0
                    && Files.getLastModifiedTime(file).compareTo(Files.getLastModifiedTime(than)) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean newerThan(Path file, FileTime time) {
        try {
            return Files.getLastModifiedTime(file).compareTo(time) > 0;
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * @param classpath the app's own classes (its jar, its copy or {@code target/classes}) first, then its dependencies
     * @param jvmFlags  the CDS flags, empty when off
     * @param offBecause why it is off, where that is worth saying (null otherwise)
     */
    public record Launch(List<Path> classpath, List<String> jvmFlags, String offBecause) {

        Launch(List<Path> classpath, List<String> jvmFlags) {
            this(classpath, jvmFlags, null);
        }

        public Path appClasses() {
            return classpath.get(0);
        }

        public String classpathString() {
            return classpath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
        }

        public boolean sharing() {
            return ArchiveKind.any(jvmFlags, k -> k.useFlag);
        }

        public boolean recording() {
            return ArchiveKind.any(jvmFlags, k -> k.recordFlag);
        }

        /** For the launcher's banner: {@code on}, {@code recording at stop} or {@code off}, with why where it says. */
        public String status() {
            return sharing() ? "on" : recording() ? "recording at stop"
                    : offBecause == null ? "off" : "off (" + offBecause + ")";
        }
    }
}
