package io.impipeline.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Application class-data sharing (JDK 17 dynamic CDS archives) for an app the launcher starts: measured to cut an
 * app's start by about a quarter on two cores (docs/reliability.md), which is most of what a restart after
 * {@code kill -9} waits for. The first start of a freshly built module records its classes
 * ({@code -XX:ArchiveClassesAtExit}; the archive is written when the app stops gracefully); later starts map them
 * ({@code -XX:SharedArchiveFile}). CDS only shares classes from jars, so the app runs from a copy of its module's
 * jar (kept until the jar's content changes), which must be at least as new as {@code target/classes}: after {@code ./mvnw test} without {@code package} (the test
 * suite in CI) there is no such jar and the app starts from {@code target/classes} without CDS, as before.
 * {@code IM_CDS=off} turns it off. A stale or unreadable archive is ignored by the JVM (it starts without it).
 */
public final class ClassDataSharing {

    /** Where the archive of a module lives: next to its jar, so {@code mvn clean} removes both. */
    static final String ARCHIVE_DIRECTORY = "target/cds";

    private ClassDataSharing() {
    }

    /**
     * @param module   the app's module directory
     * @param recorder whether this instance may record the archive (one instance per module: two would write one
     *                 file at once)
     * @return the classpath entry for the app's own classes and the JVM flags that go with it
     */
    public static Launch plan(Path module, boolean recorder) {
        Path classes = module.resolve("target/classes");
        if ("off".equalsIgnoreCase(System.getenv("IM_CDS"))) {
            return new Launch(classes, List.of());
        }
        Optional<Path> jar = freshJar(module, classes);
        if (jar.isEmpty()) {
            return new Launch(classes, List.of());
        }
        // The JVM ties an archive to the jar's size and modification time, and every `mvn package` rewrites the jar
        // even when nothing changed: the app runs from a copy that is replaced only when the jar's content changes.
        Path directory = module.resolve(ARCHIVE_DIRECTORY);
        String name = module.getFileName().toString();
        Path archive = directory.resolve(name + ".jsa");
        Path copy = directory.resolve(name + ".jar");
        Path fingerprint = directory.resolve(name + ".jar.content");
        try {
            String content = contentOf(jar.get());
            boolean sameContent = Files.isRegularFile(copy) && Files.isRegularFile(fingerprint)
                    && Files.readString(fingerprint).equals(content);
            if (sameContent && isNewer(archive, copy)) {
                return new Launch(copy, List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off",
                        "-Xlog:cds+dynamic=off"));
            }
            if (!recorder) {
                return new Launch(jar.get(), List.of());
            }
            Files.createDirectories(directory);
            Files.deleteIfExists(archive);
            if (!sameContent) {
                Files.copy(jar.get(), copy, StandardCopyOption.REPLACE_EXISTING);
                Files.writeString(fingerprint, content);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The recording JVM warns about every class it cannot archive (generated accessors, old class files).
        return new Launch(copy, List.of("-XX:ArchiveClassesAtExit=" + archive, "-Xlog:cds=off",
                "-Xlog:cds+dynamic=off"));
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
     * @param appClasses the app's own classes: its jar or {@code target/classes}
     * @param jvmFlags   the CDS flags, empty when off
     */
    public record Launch(Path appClasses, List<String> jvmFlags) {

        public boolean sharing() {
            return jvmFlags.stream().anyMatch(f -> f.startsWith("-XX:SharedArchiveFile"));
        }

        public boolean recording() {
            return jvmFlags.stream().anyMatch(f -> f.startsWith("-XX:ArchiveClassesAtExit"));
        }
    }
}
