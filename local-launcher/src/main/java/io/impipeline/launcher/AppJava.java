package io.impipeline.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JDK the launcher runs the apps with: {@code IM_APP_JAVA_HOME} when set, else the launcher's own. The apps are
 * compiled for Java 17 and run on any later JDK; from JDK 25 on, {@link ClassDataSharing} records an AOT cache instead
 * of a dynamic CDS archive (docs/reliability.md, "Session 11").
 *
 * @param home    the JDK's home directory
 * @param feature its feature release (17, 25, ...), from {@code release}; the launcher's own when unreadable
 */
public record AppJava(Path home, int feature) {

    /** The environment variable naming the apps' JDK. */
    public static final String HOME_VARIABLE = "IM_APP_JAVA_HOME";
    /** The first release with an AOT cache that holds method profiles (JEP 515). */
    static final int AOT_CACHE_RELEASE = 25;
    private static final Pattern VERSION = Pattern.compile("JAVA_VERSION=\"(\\d+)");

    public static AppJava current() {
        String configured = System.getenv(HOME_VARIABLE);
        if (configured == null || configured.isBlank()) {
            return new AppJava(Path.of(System.getProperty("java.home")), Runtime.version().feature());
        }
        Path home = Path.of(configured.trim());
        if (!Files.isExecutable(home.resolve("bin/java"))) {
            throw new IllegalStateException(HOME_VARIABLE + "=" + configured + " has no bin/java");
        }
        return new AppJava(home, featureOf(home));
    }

    static int featureOf(Path home) {
        try {
            Matcher m = VERSION.matcher(Files.readString(home.resolve("release")));
            return m.find() ? Integer.parseInt(m.group(1)) : Runtime.version().feature();
        } catch (IOException e) {
            return Runtime.version().feature();
        }
    }

    public String executable() {
        return home.resolve("bin/java").toString();
    }

    public boolean aotCache() {
        return feature >= AOT_CACHE_RELEASE;
    }
}
