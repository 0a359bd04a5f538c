package io.impipeline.dlq.overview;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.impipeline.model.codec.WireJson;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

/**
 * The gateways as the downstream-dispatcher sees them, from its {@code GET /api/v1/gateways} (sent the service
 * token): the dispatcher is what decides deliveries, so its view (heartbeat age against its own
 * {@code im.dispatcher.gateway-timeout}) is the one that matters; reading {@code im-gateway-topic} here would need
 * that timeout twice. {@code status} is the dispatcher's state of the gateway: {@code live}, {@code draining},
 * {@code down}, {@code stale} (up but its heartbeat too old) or {@code unreadable}.
 */
public class Gateways {

    private final RestClient http;
    private final String tokenHeader;
    private final String token;

    public Gateways(RestClient http, String tokenHeader, String token) {
        this.http = http;
        this.tokenHeader = tokenHeader;
        this.token = token;
    }

    /** One gateway; {@code lastHeartbeat} null when its last record was unreadable. */
    public record Gateway(String gatewayId, String status, Instant lastHeartbeat) {
    }

    /** Asks the dispatcher at {@code baseUrl}; throws when it cannot answer (the overview reports why). */
    public List<Gateway> list(String baseUrl) {
        byte[] body = http.get().uri(URI.create(baseUrl + "/api/v1/gateways")).header(tokenHeader, token)
                .exchange((req, res) -> {
                    byte[] b = res.getBody().readAllBytes();
                    if (!res.getStatusCode().is2xxSuccessful()) {
                        throw new IllegalStateException("GET /api/v1/gateways answered "
                                + res.getStatusCode().value());
                    }
                    return b;
                });
        return parse(body);
    }

    static List<Gateway> parse(byte[] body) {
        JsonNode array = WireJson.mapper().readTree(body);
        if (array == null || !array.isArray()) {
            throw new IllegalStateException("GET /api/v1/gateways did not answer a list");
        }
        List<Gateway> out = new ArrayList<>();
        for (JsonNode g : array) {
            JsonNode id = g.get("gateway_id");
            if (id == null || !id.isString()) {
                continue;
            }
            JsonNode state = g.get("state");
            JsonNode heartbeat = g.get("last_heartbeat");
            out.add(new Gateway(id.asString(), state != null && state.isString() ? state.asString() : null,
                    heartbeat != null && heartbeat.isIntegralNumber() ? Instant.ofEpochMilli(heartbeat.asLong())
                            : null));
        }
        return out;
    }
}
