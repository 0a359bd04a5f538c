package io.impipeline.platform.startup;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringApplicationRunListener;
import org.springframework.boot.bootstrap.ConfigurableBootstrapContext;
import org.springframework.boot.context.metrics.buffering.BufferingApplicationStartup;
import org.springframework.boot.context.metrics.buffering.StartupTimeline;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.metrics.StartupStep;

/**
 * Where an app's start goes (issue 13: a restart after {@code kill -9} waits for it). Off unless asked for with the
 * environment variable {@value #ENV}{@code =<n>} or {@code -D}{@value #PROPERTY}{@code =<n>}: then Spring's startup
 * steps are buffered ({@link BufferingApplicationStartup}) and, when the app is ready, one INFO line gives the
 * phases of the start in milliseconds since the JVM started, and the {@code n} steps that took the most time of their
 * own (a step's duration less its children's: a bean's own instantiation, not the beans it pulled in), then the time
 * per step name. Kafka Streams and Tomcat start in the context's lifecycle at the end of the refresh, which is no step
 * of its own: their time shows as {@code spring.context.refresh}'s own time. Registered in {@code META-INF/spring.factories} for every app; costs
 * nothing when off.
 */
public final class StartupReport implements SpringApplicationRunListener {

    static final String ENV = "IM_STARTUP_STEPS";
    static final String PROPERTY = "im.startup.steps";
    /** Steps kept at most; a start has a few thousand (one per bean and post-processing pass). */
    private static final int CAPACITY = 50_000;
    private static final int NAMES = 8;
    private static final Logger log = LoggerFactory.getLogger(StartupReport.class);

    private final BufferingApplicationStartup startup;
    private final int top;
    private final long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
    private final Map<String, Long> phases = new LinkedHashMap<>();

    public StartupReport(SpringApplication application, String[] args) {
        this.top = configuredTop(System.getProperty(PROPERTY, System.getenv(ENV)));
        this.startup = top > 0 ? new BufferingApplicationStartup(CAPACITY) : null;
        if (startup != null) {
            application.setApplicationStartup(startup);
            phases.put("main", System.currentTimeMillis());
        }
    }

    static int configuredTop(String value) {
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            return Math.max(0, Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            return "true".equalsIgnoreCase(value.trim()) ? 20 : 0;
        }
    }

    @Override
    public void starting(ConfigurableBootstrapContext bootstrapContext) {
        mark("starting");
    }

    @Override
    public void environmentPrepared(ConfigurableBootstrapContext bootstrapContext, ConfigurableEnvironment environment) {
        mark("environment");
    }

    @Override
    public void contextLoaded(ConfigurableApplicationContext context) {
        mark("context-loaded");
    }

    @Override
    public void started(ConfigurableApplicationContext context, Duration timeTaken) {
        mark("started");
    }

    @Override
    public void ready(ConfigurableApplicationContext context, Duration timeTaken) {
        if (startup == null) {
            return;
        }
        mark("ready");
        StartupTimeline timeline = startup.getBufferedTimeline();
        log.info("startup report: {}", report(timeline.getEvents(), top));
    }

    private void mark(String phase) {
        if (startup != null) {
            phases.put(phase, System.currentTimeMillis());
        }
    }

    /** The phases, the steps with the most own time, the own time per step name. */
    String report(List<StartupTimeline.TimelineEvent> events, int top) {
        StringBuilder out = new StringBuilder("phases (ms since the JVM started):");
        phases.forEach((phase, at) -> out.append(' ').append(phase).append('=').append(at - jvmStart));
        List<Own> own = ownTimes(events);
        out.append("; steps by own time (ms):");
        own.stream().sorted(Comparator.comparingLong(Own::millis).reversed()).limit(top)
                .forEach(o -> out.append(' ').append(o.millis()).append(' ').append(o.label()).append(';'));
        Map<String, long[]> byName = new HashMap<>();
        own.forEach(o -> {
            long[] sum = byName.computeIfAbsent(o.name(), k -> new long[2]);
            sum[0] += o.millis();
            sum[1]++;
        });
        out.append(" own time by step name (ms, steps):");
        byName.entrySet().stream().sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[0])
                        .reversed()).limit(NAMES)
                .forEach(e -> out.append(' ').append(e.getKey()).append('=').append(e.getValue()[0]).append(" (")
                        .append(e.getValue()[1]).append(");"));
        return out.toString();
    }

    private record Own(String name, String label, long millis) {
    }

    private static List<Own> ownTimes(List<StartupTimeline.TimelineEvent> events) {
        Map<Long, Long> childNanos = new HashMap<>();
        for (StartupTimeline.TimelineEvent e : events) {
            Long parent = e.getStartupStep().getParentId();
            if (parent != null) {
                childNanos.merge(parent, e.getDuration().toNanos(), Long::sum);
            }
        }
        List<Own> own = new ArrayList<>(events.size());
        for (StartupTimeline.TimelineEvent e : events) {
            StartupStep step = e.getStartupStep();
            long nanos = e.getDuration().toNanos() - childNanos.getOrDefault(step.getId(), 0L);
            own.add(new Own(step.getName(), label(step), Math.max(0, nanos) / 1_000_000));
        }
        return own;
    }

    private static String label(StartupStep step) {
        StringBuilder label = new StringBuilder(step.getName());
        for (StartupStep.Tag tag : step.getTags()) {
            if ("beanName".equals(tag.getKey()) || "postProcessor".equals(tag.getKey())) {
                label.append(' ').append(tag.getValue());
            }
        }
        return label.toString();
    }
}
