package io.impipeline.dlq;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class DlqHandlerApplication {

    public static void main(String[] args) {
        SpringApplication.run(DlqHandlerApplication.class, args);
    }
}
