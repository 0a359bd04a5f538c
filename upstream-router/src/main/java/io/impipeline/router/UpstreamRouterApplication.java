package io.impipeline.router;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class UpstreamRouterApplication {

    public static void main(String[] args) {
        SpringApplication.run(UpstreamRouterApplication.class, args);
    }
}
