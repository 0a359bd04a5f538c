package io.impipeline.launcher;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class ClassDataSharingTest {

    @TempDir
    Path repository;
    @TempDir
    Path elsewhere;
    private Path module;

    private Path classFile;
    private Path jar;

    @BeforeEach
    void module() throws Exception {
        module = Files.createDirectories(repository.resolve("app"));
    }

    private void build(Instant classesAt, Instant jarAt) throws Exception {
        classFile = Files.createDirectories(module.resolve("target/classes/io")).resolve("App.class");
        Files.write(classFile, new byte[]{1});
        Files.setLastModifiedTime(classFile, FileTime.from(classesAt));
        jar = module.resolve("target/app-0.1.jar");
        writeJar("same", jarAt);
        Files.write(module.resolve("target/app-0.1-exec.jar"), new byte[]{1});
    }

    @Test
    void withoutAJarTheAppRunsFromItsClassesWithoutSharing() throws Exception {
        Files.createDirectories(module.resolve("target/classes"));

        ClassDataSharing.Launch launch = plan(true);

        assertThat(launch.appClasses()).isEqualTo(module.resolve("target/classes"));
        assertThat(launch.jvmFlags()).isEmpty();
    }

    @Test
    void classesNewerThanTheJarMeanTheJarIsStaleAndNotUsed() throws Exception {
        Instant now = Instant.now();
        build(now, now.minusSeconds(60));

        ClassDataSharing.Launch launch = plan(true);

        assertThat(launch.appClasses()).isEqualTo(module.resolve("target/classes"));
        assertThat(launch.recording()).isFalse();
        assertThat(launch.sharing()).isFalse();
    }

    @Test
    void theFirstStartFromAFreshJarRecordsTheArchiveWithACopyOfTheJar() throws Exception {
        Instant now = Instant.now();
        build(now.minusSeconds(60), now);

        ClassDataSharing.Launch launch = plan(true);

        assertThat(launch.appClasses()).isEqualTo(copy());
        assertThat(copy()).hasSameBinaryContentAs(jar);
        assertThat(launch.recording()).isTrue();
        assertThat(launch.jvmFlags()).contains("-XX:ArchiveClassesAtExit=" + archive());
    }

    @Test
    void aSecondInstanceNeverRecordsSoThatTwoJvmsDoNotWriteOneArchive() throws Exception {
        Instant now = Instant.now();
        build(now.minusSeconds(60), now);

        ClassDataSharing.Launch launch = plan(false);

        assertThat(launch.appClasses()).isEqualTo(jar);
        assertThat(launch.jvmFlags()).isEmpty();
    }

    @Test
    void aRecordedArchiveIsSharedByTheNextStart() throws Exception {
        builtAndRecorded();

        ClassDataSharing.Launch launch = plan(false);

        assertThat(launch.sharing()).isTrue();
        assertThat(launch.appClasses()).isEqualTo(copy());
        assertThat(launch.jvmFlags()).contains("-XX:SharedArchiveFile=" + archive());
    }

    @Test
    void aJarRewrittenWithTheSameContentKeepsTheArchive() throws Exception {
        Instant now = builtAndRecorded();
        writeJar("same", now.plusSeconds(60));

        ClassDataSharing.Launch launch = plan(true);

        assertThat(launch.sharing()).isTrue();
    }

    @Test
    void aJarWithOtherContentIsRecordedAgain() throws Exception {
        Instant now = builtAndRecorded();
        writeJar("changed", now.plusSeconds(60));

        ClassDataSharing.Launch launch = plan(true);

        assertThat(launch.recording()).isTrue();
        assertThat(archive()).doesNotExist();
        assertThat(copy()).hasSameBinaryContentAs(jar);
    }

    @Test
    void aProjectJarTheBuildRewroteWithTheSameContentKeepsTheArchiveValid() throws Exception {
        Instant now = Instant.now();
        build(now.minusSeconds(120), now.minusSeconds(60));
        Path library = projectJar("platform-0.1.jar", "same", now.minusSeconds(60));
        Path external = Files.write(elsewhere.resolve("external.jar"), new byte[]{1});
        plan(true, library, external);
        recordArchive();
        Path libraryCopy = module.resolve("target/cds/lib/platform-0.1.jar");
        FileTime copied = Files.getLastModifiedTime(libraryCopy);
        writeJar(library, "same", now.plusSeconds(60));

        ClassDataSharing.Launch launch = plan(false, library, external);

        assertThat(launch.sharing()).isTrue();
        assertThat(launch.classpath()).containsExactly(copy(), libraryCopy, external);
        assertThat(Files.getLastModifiedTime(libraryCopy)).isEqualTo(copied);
    }

    @Test
    void aProjectJarWithOtherContentIsRecordedAgain() throws Exception {
        Instant now = Instant.now();
        build(now.minusSeconds(120), now.minusSeconds(60));
        Path library = projectJar("platform-0.1.jar", "same", now.minusSeconds(60));
        plan(true, library);
        recordArchive();
        writeJar(library, "changed", now.plusSeconds(60));

        ClassDataSharing.Launch launch = plan(true, library);

        assertThat(launch.recording()).isTrue();
        assertThat(module.resolve("target/cds/lib/platform-0.1.jar")).hasSameBinaryContentAs(library);
    }

    @Test
    void fromJdk25OnTheArchiveIsAnAotCache() throws Exception {
        Instant now = Instant.now();
        build(now.minusSeconds(120), now.minusSeconds(60));
        AppJava jdk25 = new AppJava(Path.of(System.getProperty("java.home")), 25);

        ClassDataSharing.Launch recording = ClassDataSharing.plan(module, List.of(), true, jdk25, List.of());
        Path cache = module.resolve("target/cds").resolve(module.getFileName() + ".aot");
        Files.write(cache, new byte[]{1});
        Files.setLastModifiedTime(cache, FileTime.from(now.plusSeconds(1)));
        ClassDataSharing.Launch sharing = ClassDataSharing.plan(module, List.of(), false, jdk25, List.of());

        assertThat(recording.jvmFlags()).contains("-XX:AOTCacheOutput=" + cache);
        assertThat(sharing.sharing()).isTrue();
        assertThat(sharing.jvmFlags()).contains("-XX:AOTCache=" + cache);
    }

    /** JDK 17 crashed loading an archived class with a flight recording on (bench/profile). */
    @Test
    void aFlightRecordingOrAnAgentRunsTheAppWithoutAnArchive() throws Exception {
        builtAndRecorded();
        AppJava jdk17 = new AppJava(Path.of(System.getProperty("java.home")), 17);

        for (String flag : List.of("-XX:StartFlightRecording=duration=60s,filename=a.jfr", "-javaagent:agent.jar",
                "-agentlib:jdwp=transport=dt_socket", "-agentpath:/lib/x.so")) {
            ClassDataSharing.Launch launch = ClassDataSharing.plan(module, List.of(), true, jdk17,
                    List.of("-Xss1m", flag));
            assertThat(launch.jvmFlags()).as(flag).isEmpty();
            assertThat(launch.appClasses()).as(flag).isEqualTo(module.resolve("target/classes"));
        }
        assertThat(ClassDataSharing.plan(module, List.of(), true, jdk17, List.of("-Xss1m")).sharing()).isTrue();
    }

    private ClassDataSharing.Launch plan(boolean recorder, Path... dependencies) {
        return ClassDataSharing.plan(module, List.of(dependencies), recorder,
                new AppJava(Path.of(System.getProperty("java.home")), 17), List.of());
    }

    /** A jar of another module of the same repository (a sibling's {@code target}). */
    private Path projectJar(String name, String content, Instant at) throws Exception {
        Path library = Files.createDirectories(repository.resolve("platform/target")).resolve(name);
        writeJar(library, content, at);
        return library;
    }

    private Path copy() {
        return module.resolve("target/cds").resolve(module.getFileName() + ".jar");
    }

    private Path archive() {
        return module.resolve("target/cds").resolve(module.getFileName() + ".jsa");
    }

    /** A module built a minute ago whose first start recorded its archive; returns the time it was built against. */
    private Instant builtAndRecorded() throws Exception {
        Instant now = Instant.now();
        build(now.minusSeconds(120), now.minusSeconds(60));
        plan(true);
        recordArchive();
        return now;
    }

    /** What the recording JVM does at its exit: writes the archive after the copy it ran from. */
    private void recordArchive() throws Exception {
        Files.write(archive(), new byte[]{1});
        Files.setLastModifiedTime(archive(), FileTime.from(Files.getLastModifiedTime(copy()).toInstant()
                .plusSeconds(1)));
    }

    private void writeJar(String content, Instant at) throws Exception {
        writeJar(jar, content, at);
    }

    private static void writeJar(Path jar, String content, Instant at) throws Exception {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("io/App.class"));
            out.write(content.getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        Files.setLastModifiedTime(jar, FileTime.from(at));
    }
}
