package io.impipeline.platform.startup;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.metrics.buffering.BufferingApplicationStartup;
import org.springframework.core.metrics.ApplicationStartup;
import org.springframework.core.metrics.StartupStep;

import static org.assertj.core.api.Assertions.assertThat;

class StartupReportTest {

    @Test
    void offUnlessAskedForWithACountOfSteps() {
        assertThat(StartupReport.configuredTop(null)).isZero();
        assertThat(StartupReport.configuredTop(" ")).isZero();
        assertThat(StartupReport.configuredTop("no")).isZero();
        assertThat(StartupReport.configuredTop("-3")).isZero();
        assertThat(StartupReport.configuredTop("15")).isEqualTo(15);
        assertThat(StartupReport.configuredTop("true")).isEqualTo(20);
    }

    @Test
    void whenOffTheApplicationKeepsSpringsDefaultStartup() {
        SpringApplication app = new SpringApplication(Object.class);
        System.clearProperty(StartupReport.PROPERTY);
        new StartupReport(app, new String[0]);
        assertThat(app.getApplicationStartup()).isSameAs(ApplicationStartup.DEFAULT);
    }

    @Test
    void aStepsOwnTimeLeavesOutItsChildrenAndTheSlowestComeFirst() throws InterruptedException {
        SpringApplication app = new SpringApplication(Object.class);
        System.setProperty(StartupReport.PROPERTY, "5");
        StartupReport report;
        try {
            report = new StartupReport(app, new String[0]);
        } finally {
            System.clearProperty(StartupReport.PROPERTY);
        }
        assertThat(app.getApplicationStartup()).isInstanceOf(BufferingApplicationStartup.class);
        BufferingApplicationStartup startup = (BufferingApplicationStartup) app.getApplicationStartup();

        StartupStep parent = startup.start("spring.beans.instantiate").tag("beanName", "streamsBuilder");
        StartupStep child = startup.start("spring.beans.instantiate").tag("beanName", "slowClient");
        Thread.sleep(120);
        child.end();
        Thread.sleep(30);
        parent.end();

        String text = report.report(startup.getBufferedTimeline().getEvents(), 5);
        assertThat(text).startsWith("phases (ms since the JVM started): main=");
        String steps = text.substring(text.indexOf("steps by own time"));
        assertThat(steps.indexOf("slowClient")).as(text).isPositive()
                .isLessThan(steps.indexOf("streamsBuilder"));
        long parentOwn = Long.parseLong(steps.replaceAll("(?s).*?(\\d+) spring\\.beans\\.instantiate streamsBuilder.*", "$1"));
        assertThat(parentOwn).as("the parent's own time, without the child's 120 ms: " + text).isLessThan(120);
        assertThat(text).contains("own time by step name (ms, steps): spring.beans.instantiate=");
        assertThat(text).contains("(2);");
    }
}
