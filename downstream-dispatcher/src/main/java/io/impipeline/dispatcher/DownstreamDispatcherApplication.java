package io.impipeline.dispatcher;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class DownstreamDispatcherApplication {

    public static void main(String[] args) {
        SpringApplication.run(DownstreamDispatcherApplication.class, args);
    }
}
