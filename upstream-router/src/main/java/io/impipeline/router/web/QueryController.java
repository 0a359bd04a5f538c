package io.impipeline.router.web;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import io.impipeline.platform.query.StoreQueries;
import io.impipeline.platform.web.ApiError;
import io.impipeline.router.topology.RouterTopology;
import io.impipeline.router.topology.ScheduledEntry;
import io.impipeline.router.topology.StoreKeys;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Interactive queries over the router's stores (ARCHITECTURE §6), answered by whichever instance holds the key
 * ({@link StoreQueries} forwards to it). Dedup is partitioned by sender, sequence by conversation; the scheduled
 * list is merged from every instance.
 */
@RestController
@Validated
public class QueryController {

    private static final StringSerializer KEYS = new StringSerializer();
    private static final int MAX_LIMIT = 1000;

    private final StoreQueries queries;

    public QueryController(StoreQueries queries) {
        this.queries = queries;
    }

    public record DedupEntry(String fromUserId, String messageId, long firstSeen) {
    }

    public record ConversationSeq(String conversationId, long seq) {
    }

    public record ScheduledView(String messageId, String fromUserId, String conversationId, long deliverAt,
                                long heldAt) {
    }

    @GetMapping("/api/v1/dedup/{fromUserId}/{messageId}")
    public ResponseEntity<?> dedup(@PathVariable String fromUserId, @PathVariable String messageId,
                                   HttpServletRequest request) {
        return queries.byKey(RouterTopology.DEDUP_STORE, fromUserId, KEYS, from -> firstSeen(from, messageId),
                request);
    }

    @GetMapping("/api/v1/conversations/{conversationId}/seq")
    public ResponseEntity<?> seq(@PathVariable String conversationId, HttpServletRequest request) {
        return queries.byKey(RouterTopology.SEQUENCE_STORE, conversationId, KEYS, this::lastSeq, request);
    }

    @GetMapping("/api/v1/scheduled")
    public ResponseEntity<?> scheduled(@RequestParam(defaultValue = "100") @Min(1) @Max(MAX_LIMIT) int limit,
                                       HttpServletRequest request) {
        return queries.fromAll(RouterTopology.SCHEDULED_STORE, () -> localScheduled(limit), ScheduledView.class,
                all -> all.stream().sorted(Comparator.comparingLong(ScheduledView::deliverAt)).limit(limit).toList(),
                request);
    }

    @org.springframework.web.bind.annotation.ExceptionHandler(
            jakarta.validation.ConstraintViolationException.class)
    public ResponseEntity<ApiError> badParameter(jakarta.validation.ConstraintViolationException e) {
        return ResponseEntity.status(HttpStatus.BAD_REQUEST).body(ApiError.of("INVALID_FIELD",
                "limit must be between 1 and " + MAX_LIMIT));
    }

    private DedupEntry firstSeen(String fromUserId, String messageId) {
        ReadOnlyWindowStore<String, Long> store = queries.service().getQueryableStore(RouterTopology.DEDUP_STORE,
                QueryableStoreTypes.windowStore());
        try (WindowStoreIterator<Long> it = store.fetch(StoreKeys.dedup(fromUserId, messageId), Instant.EPOCH,
                Instant.ofEpochMilli(Long.MAX_VALUE / 2))) {
            return it.hasNext() ? new DedupEntry(fromUserId, messageId, it.next().value) : null;
        }
    }

    private ConversationSeq lastSeq(String conversationId) {
        ReadOnlyKeyValueStore<String, Long> store = queries.service().getQueryableStore(
                RouterTopology.SEQUENCE_STORE, QueryableStoreTypes.keyValueStore());
        Long seq = store.get(conversationId);
        return seq == null ? null : new ConversationSeq(conversationId, seq);
    }

    /** The store's order is due order: the first {@code limit} entries are the next due. */
    private List<ScheduledView> localScheduled(int limit) {
        ReadOnlyKeyValueStore<String, ScheduledEntry> store = queries.service().getQueryableStore(
                RouterTopology.SCHEDULED_STORE, QueryableStoreTypes.keyValueStore());
        List<ScheduledView> views = new ArrayList<>();
        try (KeyValueIterator<String, ScheduledEntry> it = store.all()) {
            while (it.hasNext() && views.size() < limit) {
                KeyValue<String, ScheduledEntry> e = it.next();
                views.add(new ScheduledView(e.value.message().messageId(), e.value.message().fromUserId(),
                        e.value.message().conversationId(), StoreKeys.dueOf(e.key), e.value.heldAt()));
            }
        }
        return views;
    }
}
