package io.impipeline.worker.web;

import java.util.List;

import io.impipeline.model.codec.ValidationLimits;
import io.impipeline.platform.web.ApiException;
import io.impipeline.worker.persist.MessageStore;
import io.impipeline.worker.persist.StoredMessage;
import io.impipeline.worker.settings.WorkerProperties;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Message history for clients that find a gap in {@code seq}: a conversation after a known {@code seq}, in order;
 * one message by its identity ({@code from_user_id}, {@code message_id}); and every sender's message with one
 * {@code message_id} (two senders may use the same id). Behind the service token like every endpoint but health.
 */
@RestController
@RequestMapping("/api/v1")
public class HistoryController {

    /** A page of a conversation; {@code next_after_seq} continues it (null when the page was not full). */
    public record HistoryPage(String conversationId, List<StoredMessage> messages, Long nextAfterSeq) {
    }

    /**
     * The messages with one {@code message_id}, by sender; {@code next_after_from_user_id} continues the list (null
     * when the page was not full).
     */
    public record SendersPage(String messageId, List<StoredMessage> messages, String nextAfterFromUserId) {
    }

    private final MessageStore store;
    private final WorkerProperties.History limits;
    private final int maxIdLength;

    public HistoryController(MessageStore store, WorkerProperties worker,
                             ValidationLimits validation) {
        this.store = store;
        this.limits = worker.history();
        this.maxIdLength = validation.maxIdLength();
    }

    @GetMapping("/conversations/{conversationId}/messages")
    public HistoryPage conversation(@PathVariable String conversationId,
                                    @RequestParam(name = "after_seq", defaultValue = "0") long afterSeq,
                                    @RequestParam(name = "limit", required = false) Integer limit) {
        checkId("conversation id", conversationId);
        if (afterSeq < 0) {
            throw ApiException.invalidField("after_seq must be >= 0");
        }
        int size = limit(limit);
        List<StoredMessage> messages = store.conversation(conversationId, afterSeq, size);
        Long next = messages.size() == size ? messages.get(messages.size() - 1).seq() : null;
        return new HistoryPage(conversationId, messages, next);
    }

    /** One message by its identity. */
    @GetMapping("/messages/{fromUserId}/{messageId}")
    public ResponseEntity<StoredMessage> message(@PathVariable String fromUserId, @PathVariable String messageId) {
        checkId("from user id", fromUserId);
        checkId("message id", messageId);
        return store.find(fromUserId, messageId).map(ResponseEntity::ok)
                .orElseThrow(() -> ApiException.notFound("no message " + messageId + " from " + fromUserId));
    }

    /** Every sender's message with this id, by sender; 404 when there is none. */
    @GetMapping("/messages/{messageId}")
    public SendersPage messages(@PathVariable String messageId,
                                @RequestParam(name = "after_from_user_id", required = false) String after,
                                @RequestParam(name = "limit", required = false) Integer limit) {
        checkId("message id", messageId);
        if (after != null) {
            checkId("after_from_user_id", after);
        }
        int size = limit(limit);
        List<StoredMessage> messages = store.byMessageId(messageId, after == null ? "" : after, size);
        if (messages.isEmpty() && after == null) {
            throw ApiException.notFound("no message " + messageId);
        }
        String next = messages.size() == size ? messages.get(messages.size() - 1).fromUserId() : null;
        return new SendersPage(messageId, messages, next);
    }

    private int limit(Integer limit) {
        int size = limit == null ? limits.defaultLimit() : limit;
        if (size < 1 || size > limits.maxLimit()) {
            throw ApiException.invalidField("limit must be between 1 and " + limits.maxLimit());
        }
        return size;
    }

    private void checkId(String what, String id) {
        if (id.isBlank() || id.length() > maxIdLength) {
            throw ApiException.invalidField(what + " must have 1.." + maxIdLength + " characters");
        }
    }
}
