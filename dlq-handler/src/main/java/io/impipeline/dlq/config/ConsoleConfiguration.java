package io.impipeline.dlq.config;

import java.net.http.HttpClient;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import io.impipeline.dlq.overview.AppHealth;
import io.impipeline.dlq.overview.ConsumerLag;
import io.impipeline.dlq.overview.Gateways;
import io.impipeline.dlq.overview.OverviewService;
import io.impipeline.dlq.overview.Throughput;
import io.impipeline.dlq.overview.TraceWriters;
import io.impipeline.dlq.settings.ConsoleProperties;
import io.impipeline.dlq.store.DeadLetterRepository;
import io.impipeline.model.topics.ImTopicsProperties;
import io.impipeline.platform.web.SecurityProperties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The operations console's backend: the overview's clients (one AdminClient, one HTTP client with short timeouts, a
 * small pool for the health checks) and the redirect of {@code /} and {@code /console} to the console's page, whose
 * static files ({@code static/console/}) Spring MVC serves from the jar.
 */
@Configuration(proxyBeanMethods = false)
public class ConsoleConfiguration implements WebMvcConfigurer {

    static final String CONSOLE_PAGE = "/console/index.html";
    private static final int MAX_HEALTH_THREADS = 16;

    @Override
    public void addViewControllers(ViewControllerRegistry registry) {
        registry.addRedirectViewController("/", CONSOLE_PAGE);
        registry.addRedirectViewController("/console", CONSOLE_PAGE);
        registry.addRedirectViewController("/console/", CONSOLE_PAGE);
    }

    /** The overview's AdminClient: groups, offsets, topics (read-only calls). */
    @Bean(destroyMethod = "close")
    Admin overviewAdmin(KafkaProperties kafka, ConsoleProperties console) {
        Map<String, Object> props = new HashMap<>(kafka.buildAdminProperties());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "dlq-handler-overview");
        int timeout = (int) console.adminTimeout().toMillis();
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout);
        return Admin.create(props);
    }

    @Bean(destroyMethod = "shutdownNow")
    ExecutorService overviewHealthPool(ConsoleProperties console) {
        AtomicInteger n = new AtomicInteger();
        return Executors.newFixedThreadPool(Math.min(MAX_HEALTH_THREADS, Math.max(2, console.apps().size() * 2)),
                r -> {
                    Thread t = new Thread(r, "overview-health-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /** The console's client of the other apps: short connect and read timeouts ({@code health-timeout}). */
    @Bean
    RestClient consoleHttp(ConsoleProperties console) {
        JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1).connectTimeout(console.healthTimeout()).build());
        factory.setReadTimeout(console.healthTimeout());
        return RestClient.builder().requestFactory(factory).build();
    }

    @Bean
    AppHealth consoleApps(ConsoleProperties console, RestClient consoleHttp, Environment environment,
                          ExecutorService overviewHealthPool) {
        return new AppHealth(console, consoleHttp, environment, overviewHealthPool);
    }

    @Bean
    TraceWriters traceWriters(AppHealth consoleApps, RestClient consoleHttp, ExecutorService overviewHealthPool,
                              SecurityProperties security, ConsoleProperties console, Clock clock) {
        return new TraceWriters(consoleApps, consoleHttp, overviewHealthPool, security.tokenHeader(),
                security.serviceToken(), console.cacheTtl(), clock);
    }

    @Bean
    OverviewService overviewService(ConsoleProperties console, Admin overviewAdmin, AppHealth consoleApps,
                                    RestClient consoleHttp, ImTopicsProperties topics,
                                    SecurityProperties security, DeadLetterRepository deadLetters, Clock clock) {
        ConsumerLag lag = new ConsumerLag(overviewAdmin, console.lagGroupPatterns(), topics.prefix(),
                console.adminTimeout());
        Throughput throughput = new Throughput(overviewAdmin, topics, console.adminTimeout(), clock);
        Gateways gateways = new Gateways(consoleHttp, security.tokenHeader(), security.serviceToken());
        OverviewService service = new OverviewService(consoleApps, lag, throughput, gateways, deadLetters, console,
                clock);
        service.start();
        return service;
    }
}
