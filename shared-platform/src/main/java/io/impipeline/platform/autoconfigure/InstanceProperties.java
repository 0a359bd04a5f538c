package io.impipeline.platform.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Which running instance this is ({@code im.instance-id}): the {@code instance} tag on every metric, the owner of a
 * topic replay job. Empty: the host name ({@code HOSTNAME}, the pod name in Kubernetes), else {@code local}.
 */
@ConfigurationProperties("im")
public record InstanceProperties(String instanceId) {

    public InstanceProperties {
        if (instanceId == null || instanceId.isBlank()) {
            String host = System.getenv("HOSTNAME");
            instanceId = host == null || host.isBlank() ? "local" : host;
        }
    }
}
