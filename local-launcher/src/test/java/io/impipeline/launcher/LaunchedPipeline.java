package io.impipeline.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One launched pipeline (a KRaft broker process, PostgreSQL, the four apps each in its own JVM) shared by every
 * system-level test class in the test JVM: launching and stopping it is about a minute of the suite each time, and
 * the classes do not disturb each other (every simulation and hostile run names its users, gateways, groups and
 * messages with its own run id; the dead-letter checks filter by what the test sent). Test classes take it as a
 * {@code @BeforeAll} parameter; it is stopped when the whole test plan ends. The classes run in the order of their
 * {@code @Order} (junit-platform.properties): the chaos test, which kills the router, last.
 *
 * <p>Its data and the apps' logs stay in {@code local-launcher/target/system-test-pipeline} for a look after a
 * failure (wiped at the next start).
 */
public final class LaunchedPipeline implements ParameterResolver {

    public static final String TOKEN = "system-test-token";
    /** Small groups up to 10 members, so that the simulator's 30-member group takes the large-group path. */
    static final List<String> APP_ARGUMENTS = List.of("--im.router.small-group-max=10");
    static final Duration START_TIMEOUT = Duration.ofMinutes(4);
    static final int PORT_OFFSET = 10_000;

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
            LaunchedPipeline.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == LocalPipeline.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .computeIfAbsent(Running.class, k -> Running.launch(), Running.class).pipeline();
    }

    /** Closed by JUnit with the root context, after the last test class. */
    record Running(LocalPipeline pipeline) implements AutoCloseable {

        static Running launch() {
            Path repository = Path.of("").toAbsolutePath().getParent();
            Path data = repository.resolve("local-launcher/target/system-test-pipeline");
            try {
                LocalPipeline.Options options = new LocalPipeline.Options(repository, data, LocalPipeline.freePortPair(), 0, TOKEN,
                        "256m", true, APP_ARGUMENTS, START_TIMEOUT, PORT_OFFSET);
                return new Running(LocalPipeline.start(options, System.out));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while launching the pipeline", e);
            }
        }

        @Override
        public void close() {
            pipeline.close();
        }
    }
}
