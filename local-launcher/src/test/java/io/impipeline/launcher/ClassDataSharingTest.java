package io.impipeline.launcher;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class ClassDataSharingTest {

    @TempDir
    Path module;

    private Path classFile;
    private Path jar;

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

        ClassDataSharing.Launch launch = ClassDataSharing.plan(module, true);

        assertThat(launch.appClasses()).isEqualTo(module.resolve("target/classes"));
        assertThat(launch.jvmFlags()).isEmpty();
    }

    @Test
    void classesNewerThanTheJarMeanTheJarIsStaleAndNotUsed() throws Exception {
        Instant now = Instant.now();
        build(now, now.minusSeconds(60));

        ClassDataSharing.Launch launch = ClassDataSharing.plan(module, true);

        assertThat(launch.appClasses()).isEqualTo(module.resolve("target/classes"));
        assertThat(launch.recording()).isFalse();
        assertThat(launch.sharing()).isFalse();
    }

    @Test
    void theFirstStartFromAFreshJarRecordsTheArchiveWithACopyOfTheJar() throws Exception {
        Instant now = Instant.now();
        build(now.minusSeconds(60), now);

        ClassDataSharing.Launch launch = ClassDataSharing.plan(module, true);

        assertThat(launch.appClasses()).isEqualTo(copy());
        assertThat(copy()).hasSameBinaryContentAs(jar);
        assertThat(launch.recording()).isTrue();
        assertThat(launch.jvmFlags()).contains("-XX:ArchiveClassesAtExit=" + archive());
    }

    @Test
    void aSecondInstanceNeverRecordsSoThatTwoJvmsDoNotWriteOneArchive() throws Exception {
        Instant now = Instant.now();
        build(now.minusSeconds(60), now);

        ClassDataSharing.Launch launch = ClassDataSharing.plan(module, false);

        assertThat(launch.appClasses()).isEqualTo(jar);
        assertThat(launch.jvmFlags()).isEmpty();
    }

    @Test
    void aRecordedArchiveIsSharedByTheNextStart() throws Exception {
        Instant now = Instant.now();
        build(now.minusSeconds(120), now.minusSeconds(60));
        ClassDataSharing.plan(module, true);
        recordArchive();

        ClassDataSharing.Launch launch = ClassDataSharing.plan(module, false);

        assertThat(launch.sharing()).isTrue();
        assertThat(launch.appClasses()).isEqualTo(copy());
        assertThat(launch.jvmFlags()).contains("-XX:SharedArchiveFile=" + archive());
    }

    @Test
    void aJarRewrittenWithTheSameContentKeepsTheArchive() throws Exception {
        Instant now = Instant.now();
        build(now.minusSeconds(120), now.minusSeconds(60));
        ClassDataSharing.plan(module, true);
        recordArchive();
        writeJar("same", now.plusSeconds(60));

        ClassDataSharing.Launch launch = ClassDataSharing.plan(module, true);

        assertThat(launch.sharing()).isTrue();
    }

    @Test
    void aJarWithOtherContentIsRecordedAgain() throws Exception {
        Instant now = Instant.now();
        build(now.minusSeconds(120), now.minusSeconds(60));
        ClassDataSharing.plan(module, true);
        recordArchive();
        writeJar("changed", now.plusSeconds(60));

        ClassDataSharing.Launch launch = ClassDataSharing.plan(module, true);

        assertThat(launch.recording()).isTrue();
        assertThat(archive()).doesNotExist();
        assertThat(copy()).hasSameBinaryContentAs(jar);
    }

    private Path copy() {
        return module.resolve("target/cds").resolve(module.getFileName() + ".jar");
    }

    private Path archive() {
        return module.resolve("target/cds").resolve(module.getFileName() + ".jsa");
    }

    /** What the recording JVM does at its exit: writes the archive after the copy it ran from. */
    private void recordArchive() throws Exception {
        Files.write(archive(), new byte[]{1});
        Files.setLastModifiedTime(archive(), FileTime.from(Files.getLastModifiedTime(copy()).toInstant()
                .plusSeconds(1)));
    }

    private void writeJar(String content, Instant at) throws Exception {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("io/App.class"));
            out.write(content.getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        Files.setLastModifiedTime(jar, FileTime.from(at));
    }
}
