package io.impipeline.launcher.console;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operations console's files as they go into the dlq-handler's jar: everything they load is in the jar (no other
 * origin, no missing module), data is never written into the page as HTML, and nothing is kept in localStorage. The
 * browser test (in {@code PipelineEndToEndIntegrationTest}) shows it working; this one keeps it honest cheaply.
 */
class ConsoleStaticFilesTest {

    static final Path CONSOLE = Path.of("").toAbsolutePath().getParent()
            .resolve("dlq-handler/src/main/resources/static/console");

    static List<Path> files(String... extensions) throws IOException {
        try (Stream<Path> walk = Files.walk(CONSOLE)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> Stream.of(extensions).anyMatch(e -> p.toString().endsWith(e))).sorted().toList();
        }
    }

    @Test
    void nothingComesFromAnotherOrigin() throws IOException {
        List<String> found = new ArrayList<>();
        for (Path file : files(".html", ".js", ".css")) {
            Matcher m = Pattern.compile("(?i)(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}[^\\s'\"]*").matcher(Files.readString(file));
            while (m.find()) {
                // The SVG namespace is a name, not something fetched.
                if (!m.group().equals("http://www.w3.org/2000/svg")) {
                    found.add(CONSOLE.relativize(file) + ": " + m.group());
                }
            }
        }
        assertThat(found).as("URLs of other origins").isEmpty();
    }

    @Test
    void everyModuleStyleAndScriptTheConsoleLoadsIsInTheJar() throws IOException {
        List<String> missing = new ArrayList<>();
        Pattern imports = Pattern.compile("(?m)^import .* from '(\\.[^']+)';|import\\('(\\.[^']+)'\\)");
        for (Path js : files(".js")) {
            Matcher m = imports.matcher(Files.readString(js));
            while (m.find()) {
                String target = m.group(1) != null ? m.group(1) : m.group(2);
                if (!Files.isRegularFile(js.getParent().resolve(target).normalize())) {
                    missing.add(CONSOLE.relativize(js) + " imports " + target);
                }
            }
        }
        Matcher m = Pattern.compile("(?:src|href)=\"([^\"#:]+)\"").matcher(Files.readString(CONSOLE.resolve("index.html")));
        List<String> referenced = new ArrayList<>();
        while (m.find()) {
            String target = m.group(1);
            referenced.add(target);
            // The Swagger UI is the app's own, served from the springdoc webjar under /swagger-ui/.
            if (!target.startsWith("/swagger-ui/") && !Files.isRegularFile(CONSOLE.resolve(target))) {
                missing.add("index.html references " + target);
            }
        }
        assertThat(referenced).contains("console.css", "js/app.js");
        assertThat(missing).isEmpty();
    }

    @Test
    void dataIsWrittenAsTextAndTheTokenNeverLeavesTheSession() throws IOException {
        for (Path js : files(".js")) {
            String source = Files.readString(js);
            assertThat(source).as(js.getFileName().toString())
                    .doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                            "new Function", "localStorage", "document.cookie");
        }
        String api = Files.readString(CONSOLE.resolve("js/api.js"));
        assertThat(api).contains("sessionStorage", "Authorization: `Bearer ${token}`", "'X-Operator': operator");
        String html = Files.readString(CONSOLE.resolve("index.html"));
        assertThat(html).contains("Content-Security-Policy", "default-src 'none'", "script-src 'self'",
                "connect-src 'self'", "form-action 'none'");
    }
}
