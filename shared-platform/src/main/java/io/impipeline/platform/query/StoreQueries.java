package io.impipeline.platform.query;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import jakarta.servlet.http.HttpServletRequest;
import io.impipeline.platform.web.ApiError;
import io.impipeline.platform.web.SecurityProperties;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.stream.binder.kafka.streams.InteractiveQueryService;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;

/**
 * Interactive queries that work across instances (ARCHITECTURE §6): a key is answered from the local store when
 * this instance owns it, else the same request is forwarded to the owner ({@code application.server} of Kafka
 * Streams metadata) and its answer passed back as it is. 404 for an unknown key, 503 while the store cannot be
 * queried (rebalancing, restoring) or the owner cannot be reached.
 */
public final class StoreQueries {

    /** Marks a forwarded request: the receiver answers locally and never forwards again (no loops). */
    public static final String FORWARDED_HEADER = "X-IM-Forwarded";

    private static final Logger log = LoggerFactory.getLogger(StoreQueries.class);

    private final InteractiveQueryService queries;
    private final RestClient http;
    private final SecurityProperties security;

    public StoreQueries(InteractiveQueryService queries, RestClient http, SecurityProperties security) {
        this.queries = queries;
        this.http = http;
        this.security = security;
    }

    public InteractiveQueryService service() {
        return queries;
    }

    /**
     * Answers a query for one key.
     *
     * @param lookup reads the local store; returns null when the key is unknown
     */
    public <K, V> ResponseEntity<?> byKey(String store, K key, Serializer<K> keySerializer, Function<K, V> lookup,
                                          HttpServletRequest request) {
        try {
            if (request.getHeader(FORWARDED_HEADER) == null) {
                HostInfo owner = queries.getHostInfo(store, key, keySerializer);
                if (owner != null && !owner.equals(queries.getCurrentHostInfo())) {
                    return forward(owner, request);
                }
            }
            V value = lookup.apply(key);
            return value == null
                    ? ResponseEntity.status(HttpStatus.NOT_FOUND).body(ApiError.of("NOT_FOUND", "no entry for " + key
                    + " in " + store))
                    : ResponseEntity.ok(value);
        } catch (InvalidStateStoreException | IllegalStateException e) {
            return unavailable(store, e);
        }
    }

    /**
     * Answers a query over a whole store: the local part when the request was forwarded, else the parts of every
     * instance merged.
     *
     * @param local    reads this instance's part
     * @param itemType the element type of a part, to read forwarded answers
     */
    public <V> ResponseEntity<?> fromAll(String store, Supplier<List<V>> local, Class<V> itemType,
                                         Function<List<V>, List<V>> merge, HttpServletRequest request) {
        try {
            if (request.getHeader(FORWARDED_HEADER) != null) {
                return ResponseEntity.ok(local.get());
            }
            List<V> all = new ArrayList<>();
            HostInfo self = queries.getCurrentHostInfo();
            List<HostInfo> hosts = queries.getAllHostsInfo(store);
            if (hosts.isEmpty()) {
                all.addAll(local.get());
            }
            for (HostInfo host : hosts) {
                all.addAll(host.equals(self) ? local.get() : fetchPart(host, request, itemType));
            }
            return ResponseEntity.ok(merge.apply(all));
        } catch (InvalidStateStoreException | IllegalStateException | RestClientException e) {
            return unavailable(store, e);
        }
    }

    private ResponseEntity<?> forward(HostInfo owner, HttpServletRequest request) {
        try {
            return http.get().uri(uriOf(owner, request))
                    .header(security.tokenHeader(), security.serviceToken())
                    .header(FORWARDED_HEADER, "true")
                    .accept(MediaType.APPLICATION_JSON)
                    .exchange((req, res) -> ResponseEntity.status(res.getStatusCode())
                            .contentType(MediaType.APPLICATION_JSON)
                            .body(res.getBody().readAllBytes()));
        } catch (RestClientException e) {
            log.warn("forwarding a query to {}:{} failed: {}", owner.host(), owner.port(), e.getMessage());
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(ApiError.of("OWNER_UNREACHABLE",
                    "the instance that holds this key (" + owner.host() + ":" + owner.port() + ") did not answer"));
        }
    }

    private <V> List<V> fetchPart(HostInfo host, HttpServletRequest request, Class<V> itemType) {
        List<V> part = http.get().uri(uriOf(host, request))
                .header(security.tokenHeader(), security.serviceToken())
                .header(FORWARDED_HEADER, "true")
                .accept(MediaType.APPLICATION_JSON)
                .retrieve()
                .body(new org.springframework.core.ParameterizedTypeReference<List<V>>() {
                    @Override
                    public java.lang.reflect.Type getType() {
                        return org.springframework.core.ResolvableType.forClassWithGenerics(List.class, itemType)
                                .getType();
                    }
                });
        return part == null ? List.of() : part;
    }

    private static String uriOf(HostInfo host, HttpServletRequest request) {
        String query = request.getQueryString();
        return "http://" + host.host() + ":" + host.port() + request.getRequestURI() + (query == null ? "" : "?" + query);
    }

    private static ResponseEntity<?> unavailable(String store, Exception e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(ApiError.of("STORE_UNAVAILABLE",
                "store " + store + " cannot be queried now (" + e.getMessage() + "); retry shortly"));
    }
}
