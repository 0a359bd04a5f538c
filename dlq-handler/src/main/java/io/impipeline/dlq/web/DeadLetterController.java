package io.impipeline.dlq.web;

import java.util.List;
import java.util.Map;

import io.impipeline.platform.web.Operator;
import io.impipeline.dlq.replay.DeadLetterReplayer;
import io.impipeline.dlq.settings.DlqProperties;
import io.impipeline.dlq.store.DeadLetterFilter;
import io.impipeline.dlq.store.DeadLetterRepository;
import io.impipeline.dlq.store.DeadLetterRow;
import io.impipeline.dlq.web.DeadLetterViews.BulkDiscardResult;
import io.impipeline.dlq.web.DeadLetterViews.BulkReplayResult;
import io.impipeline.dlq.web.DeadLetterViews.Detail;
import io.impipeline.dlq.web.DeadLetterViews.Item;
import io.impipeline.dlq.web.DeadLetterViews.Page;
import io.impipeline.dlq.web.DeadLetterViews.Summary;
import io.impipeline.dlq.web.DeadLetterViews.SummaryItem;
import io.impipeline.platform.web.ApiException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Inspect, replay and discard stored dead letters. The service token is checked by shared-model's filter. */
@RestController
@RequestMapping("/api/v1/dead-letters")
public class DeadLetterController {

    private final DeadLetterRepository repository;
    private final DeadLetterReplayer replayer;
    private final DlqProperties.Api api;

    public DeadLetterController(DeadLetterRepository repository, DeadLetterReplayer replayer, DlqProperties dlq) {
        this.repository = repository;
        this.replayer = replayer;
        this.api = dlq.api();
    }

    @GetMapping
    public Page list(@RequestParam(name = "original_topic", required = false) String originalTopic,
                     @RequestParam(required = false) String stage,
                     @RequestParam(required = false) String reason,
                     @RequestParam(required = false) String status,
                     @RequestParam(required = false) String from,
                     @RequestParam(required = false) String to,
                     @RequestParam(required = false) String key,
                     @RequestParam(name = "message_id", required = false) String messageId,
                     @RequestParam(name = "from_user_id", required = false) String fromUserId,
                     @RequestParam(name = "conversation_id", required = false) String conversationId,
                     @RequestParam(name = "exception_contains", required = false) String exceptionContains,
                     @RequestParam(required = false) Integer limit,
                     @RequestParam(required = false) String cursor) {
        DeadLetterFilter filter = new FilterParams(originalTopic, stage, reason, status, from, to, key, messageId,
                fromUserId, conversationId, exceptionContains).toFilter();
        int size = pageSize(limit);
        List<DeadLetterRow> rows = repository.list(filter, Cursor.decode(cursor), size);
        String next = rows.size() == size ? Cursor.encode(rows.get(rows.size() - 1).id()) : null;
        return new Page(rows.stream().map(Item::of).toList(), next);
    }

    @GetMapping("/summary")
    public Summary summary(@RequestParam(name = "original_topic", required = false) String originalTopic,
                           @RequestParam(required = false) String stage,
                           @RequestParam(required = false) String reason,
                           @RequestParam(required = false) String status,
                           @RequestParam(required = false) String from,
                           @RequestParam(required = false) String to,
                           @RequestParam(required = false) String key,
                           @RequestParam(name = "message_id", required = false) String messageId,
                           @RequestParam(name = "from_user_id", required = false) String fromUserId,
                           @RequestParam(name = "conversation_id", required = false) String conversationId,
                           @RequestParam(name = "exception_contains", required = false) String exceptionContains) {
        DeadLetterFilter filter = new FilterParams(originalTopic, stage, reason, status, from, to, key, messageId,
                fromUserId, conversationId, exceptionContains).toFilter();
        return new Summary(repository.summary(filter).stream().map(SummaryItem::of).toList());
    }

    @GetMapping("/{id}")
    public Detail one(@PathVariable long id) {
        return Detail.of(repository.find(id)
                .orElseThrow(() -> ApiException.notFound("no dead letter " + id)));
    }

    /** Replays one dead letter; audited with the operator ({@code X-Operator}, else {@code api}). */
    @PostMapping("/{id}/replay")
    public Detail replay(@PathVariable long id,
                         @RequestHeader(name = Operator.HEADER, required = false) String operator) {
        Operator who = Operator.of(operator);
        return Detail.of(replayer.replayOne(id, who));
    }

    /** Discards one dead letter; audited with the operator. */
    @PostMapping("/{id}/discard")
    public Detail discard(@PathVariable long id,
                          @RequestHeader(name = Operator.HEADER, required = false) String operator) {
        Operator who = Operator.of(operator);
        return Detail.of(replayer.discard(id, who));
    }

    /** Replays every match of the filter (status NEW unless given), at most {@code limit}. */
    @PostMapping("/replay")
    public BulkReplayResult replayAll(@RequestBody(required = false) Map<String, Object> json,
                                      @RequestHeader(name = Operator.HEADER, required = false) String operator) {
        Operator who = Operator.of(operator);
        BulkRequest b = json == null ? BulkRequest.EMPTY : StrictBody.read(json, BulkRequest.class);
        var result = replayer.replayAll(b.filter().toFilter(), b.limit(), who);
        return new BulkReplayResult(result.replayed(), result.failed(), result.refused());
    }

    /** Discards every match of the filter; at least one criterion is required, so nothing goes by accident. */
    @PostMapping("/discard")
    public BulkDiscardResult discardAll(@RequestBody(required = false) Map<String, Object> json,
                                        @RequestHeader(name = Operator.HEADER, required = false) String operator) {
        Operator who = Operator.of(operator);
        BulkRequest body = json == null ? null : StrictBody.read(json, BulkRequest.class);
        if (body == null || body.filter().isEmpty()) {
            throw ApiException.badRequest("EMPTY_FILTER", "give at least one of original_topic, stage, reason, "
                    + "status, from, to, key, message_id, from_user_id, conversation_id, exception_contains");
        }
        return new BulkDiscardResult(replayer.discardAll(body.filter().toFilter(), who));
    }

    /** Body of the by-filter operations. */
    public record BulkRequest(String originalTopic, String stage, String reason, String status, String from,
                              String to, String key, String messageId, String fromUserId, String conversationId,
                              String exceptionContains, Integer limit) {

        static final BulkRequest EMPTY = new BulkRequest(null, null, null, null, null, null, null, null, null, null,
                null, null);

        FilterParams filter() {
            return new FilterParams(originalTopic, stage, reason, status, from, to, key, messageId, fromUserId,
                    conversationId, exceptionContains);
        }
    }

    private int pageSize(Integer limit) {
        if (limit == null) {
            return api.defaultPageSize();
        }
        if (limit < 1 || limit > api.maxPageSize()) {
            throw ApiException.invalidField("limit must be between 1 and " + api.maxPageSize());
        }
        return limit;
    }
}
