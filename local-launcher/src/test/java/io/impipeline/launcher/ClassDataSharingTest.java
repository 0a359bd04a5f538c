package io.impipeline.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

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
        Files.write(jar, new byte[]{1});
        Files.setLastModifiedTime(jar, FileTime.from(jarAt));
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
    void theFirstStartFromAFreshJarRecordsTheArchive() throws Exception {
        Instant now = Instant.now();
        build(now.minusSeconds(60), now);

        ClassDataSharing.Launch launch = ClassDataSharing.plan(module, true);

        assertThat(launch.appClasses()).isEqualTo(jar);
        assertThat(launch.recording()).isTrue();
        assertThat(launch.jvmFlags()).contains("-XX:ArchiveClassesAtExit="
                + module.resolve("target/cds").resolve(module.getFileName() + ".jsa"));
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
    void anArchiveNewerThanTheJarIsShared() throws Exception {
        Instant now = Instant.now();
        build(now.minusSeconds(120), now.minusSeconds(60));
        Path archive = Files.createDirectories(module.resolve("target/cds"))
                .resolve(module.getFileName() + ".jsa");
        Files.write(archive, new byte[]{1});

        ClassDataSharing.Launch launch = ClassDataSharing.plan(module, false);

        assertThat(launch.sharing()).isTrue();
        assertThat(launch.jvmFlags()).contains("-XX:SharedArchiveFile=" + archive);
    }

    @Test
    void anArchiveOlderThanARebuiltJarIsRecordedAgain() throws Exception {
        Instant now = Instant.now();
        build(now.minusSeconds(120), now);
        Path archive = Files.createDirectories(module.resolve("target/cds"))
                .resolve(module.getFileName() + ".jsa");
        Files.write(archive, new byte[]{1});
        Files.setLastModifiedTime(archive, FileTime.from(now.minusSeconds(60)));

        ClassDataSharing.Launch launch = ClassDataSharing.plan(module, true);

        assertThat(launch.recording()).isTrue();
        assertThat(archive).doesNotExist();
    }
}
