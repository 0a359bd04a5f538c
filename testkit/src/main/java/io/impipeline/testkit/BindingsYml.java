package io.impipeline.testkit;

import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.core.io.ClassPathResource;

/**
 * An app's {@code application.yml} as its binding tests read it: the Spring Cloud Stream output bindings (destination,
 * Kafka Streams producer settings) and the topics the app provisions, so that a test can hold the yml to the
 * topology's own declaration of its outputs.
 */
public final class BindingsYml {

    private static final String BINDINGS = "spring.cloud.stream.bindings.";
    private static final String STREAMS_BINDINGS = "spring.cloud.stream.kafka.streams.bindings.";

    private final Properties yml;

    private BindingsYml(Properties yml) {
        this.yml = yml;
    }

    /** The {@code application.yml} on the test's classpath (the app's own). */
    public static BindingsYml load() {
        YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
        yaml.setResources(new ClassPathResource("application.yml"));
        return new BindingsYml(yaml.getObject());
    }

    /** {@code spring.cloud.stream.bindings.<binding>.destination}, unresolved (e.g. {@code ${im.topic-names.task}}). */
    public String destination(String binding) {
        return yml.getProperty(BINDINGS + binding + ".destination");
    }

    /** {@code spring.cloud.stream.kafka.streams.bindings.<binding>.producer.<key>}, or null. */
    public String producer(String binding, String key) {
        return yml.getProperty(STREAMS_BINDINGS + binding + ".producer." + key);
    }

    /** Every binding named {@code <prefix><n>} in either binding tree (a key under another name is listed whole). */
    public Set<String> bindings(String prefix) {
        Pattern name = Pattern.compile("^.*\\.bindings\\.(" + Pattern.quote(prefix) + "\\d+)\\..*$");
        Set<String> found = new TreeSet<>();
        for (String key : yml.stringPropertyNames()) {
            if (key.startsWith(BINDINGS + prefix) || key.startsWith(STREAMS_BINDINGS + prefix)) {
                Matcher m = name.matcher(key);
                found.add(m.matches() ? m.group(1) : key);
            }
        }
        return found;
    }

    /** {@code im.topics.provision}: the topic kinds the app creates at start-up. */
    public List<String> provisioned() {
        return yml.stringPropertyNames().stream().filter(key -> key.startsWith("im.topics.provision["))
                .map(yml::getProperty).toList();
    }
}
